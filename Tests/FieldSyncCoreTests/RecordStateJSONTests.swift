import FieldSyncCore
import FieldSyncTestSupport
import Foundation
import Testing

@Suite("Direct RecordState JSON writer")
struct RecordStateJSONTests {
    @Test("its output decodes to the same state as the Codable form, for awkward strings and every value kind")
    func roundTrip() throws {
        let factory = RecordFactory(replica: ReplicaID("t-0a1b"), station: UnitID("KH.P03.S012"), now: 1_795_420_800_000)
        var report = try factory.incidentReport("i-1", narrative: "quote \" backslash \\ newline \n tab \t bell \u{07} nul \u{00} 中文 emoji 🚓 slash /")
        report = try factory.apply([.add("evidence", .string("sha256:" + String(repeating: "ab", count: 32))),
                                    .append("transfers", .object(["from": "KH.P03.S012", "to": "KH.P05.S031", "reason": "x"])),
                                    .set("status", "receiptIssued")], to: report)
        let samples = [report, try factory.patrolSignIn("p-1"), RecordState(type: .patrolSignIn, id: RecordID("empty"), schemaVersion: 1)]
        var seed: UInt64 = 0x5EED
        var generated: [RecordState] = []
        for index in 0..<200 {
            // Seeded random strings over every byte class that JSON escaping cares about.
            var text = ""
            for _ in 0..<20 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                let choices: [Character] = ["a", "\"", "\\", "\n", "\u{01}", "\u{1F}", "é", "😀", " ", "/", "\u{7F}"]
                text.append(choices[Int(seed >> 33) % choices.count])
            }
            var state = try factory.patrolSignIn("g\(index)")
            state.fields["note"] = [FieldEntry(dot: Dot(factory.replica, 1), stamp: HLCTimestamp(wall: Int64(seed >> 20), logical: UInt32(index)),
                                               author: factory.officer, value: .list([.string(text), .int(-Int64(index)), .bool(index % 2 == 0),
                                                                                      .object([text: .string(text)])]))]
            generated.append(state)
        }
        for state in samples + generated {
            let written = RecordStateJSON.encode(state)
            #expect(try JSONDecoder().decode(RecordState.self, from: written) == state, "seed 0x5EED, \(state.id)")
        }
    }

    @Test("strings must be valid UTF-8: each kind of invalid byte sequence is refused, as JSONDecoder refuses it; valid text in any script is read as it is")
    func invalidUTF8() throws {
        let factory = RecordFactory(replica: ReplicaID("t-0a1b"), station: UnitID("KH.P03.S012"), now: 1_795_420_800_000)
        let marker = "MARKER"
        let json = Array(RecordStateJSON.encode(try factory.incidentReport("i-1", narrative: marker)))
        let at = try #require(json.indices.first { json[$0...].starts(with: Array(marker.utf8)) })
        func with(_ bytes: [UInt8]) -> Data { Data(json[..<at] + bytes + json[(at + marker.utf8.count)...]) }
        let invalid: [[UInt8]] = [
            [0x80], [0xBF, 0x41], [0xC3, 0x28], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFF], [0x41, 0xE5, 0xA0],
        ]
        for bytes in invalid {
            #expect(throws: ProtocolError.self, "\(bytes)") { try RecordStateJSON.decode(with(bytes)) }
            #expect(throws: (any Error).self, "JSONDecoder agrees: \(bytes)") { try JSONDecoder().decode(RecordState.self, from: with(bytes)) }
        }
        for text in ["報案證明單", "é", "🚓 Qianjin", "\u{7F}", "ASCII only"] {
            let state = try RecordStateJSON.decode(with(Array(text.utf8)))
            #expect(state.entries("narrative").first?.value == .string(text), "\(text)")
        }
    }

    @Test("a repeated member is refused in small and large objects alike; distinct members are read")
    func repeatedMembers() throws {
        let factory = RecordFactory(replica: ReplicaID("t-0a1b"), station: UnitID("KH.P03.S012"), now: 1_795_420_800_000)
        let entry = String(decoding: RecordStateJSON.encode(try factory.patrolSignIn("p-1")), as: UTF8.self)
        // An object value with n distinct members, and the same with its last member repeated.
        for count in [1, 2, 15, 16, 17, 40] {
            let members = (0..<count).map { "\"k\($0)\":\($0)" }
            var state = try factory.patrolSignIn("p-1")
            state.fields["note"] = [FieldEntry(dot: Dot(factory.replica, 9), stamp: HLCTimestamp(wall: 1, logical: 0), author: factory.officer,
                                               value: .object(Dictionary(uniqueKeysWithValues: (0..<count).map { ("k\($0)", FieldValue.int(Int64($0))) })))]
            let json = String(decoding: RecordStateJSON.encode(state), as: UTF8.self)
            #expect(try RecordStateJSON.decode(Data(json.utf8)) == state, "\(count) members")
            let object = "{" + members.sorted().joined(separator: ",") + "}"
            #expect(json.contains(object))
            let repeated = "{" + (members.sorted() + [members.sorted().last!]).joined(separator: ",") + "}"
            #expect(throws: ProtocolError.self, "\(count) members, one repeated") {
                try RecordStateJSON.decode(Data(json.replacingOccurrences(of: object, with: repeated).utf8))
            }
        }
        // A repeated top-level member of a state is refused too.
        let doubled = entry.replacingOccurrences(of: "\"schemaVersion\":", with: "\"type\":\"patrolSignIn\",\"schemaVersion\":")
        #expect(throws: ProtocolError.self) { try RecordStateJSON.decode(Data(doubled.utf8)) }
    }
}
