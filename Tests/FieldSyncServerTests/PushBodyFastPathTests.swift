import FieldSyncCore
@testable import FieldSyncServer
import FieldSyncTesting
import Foundation
import Testing

@Suite("Fast push body parser agrees with JSONDecoder")
struct PushBodyFastPathTests {
    static func samples() throws -> [RecordState] {
        let factory = RecordFactory(replica: ReplicaID("t-0a1b"), station: UnitID("KH.P03.S012"), now: 1_795_420_800_000)
        var report = try factory.incidentReport("i-1", narrative: "quote \" backslash \\ newline \n tab \t 中文 🚓 slash /")
        report = try factory.apply([.add("evidence", .string("sha256:" + String(repeating: "ab", count: 32))),
                                    .append("transfers", .object(["from": "KH.P03.S012", "to": "KH.P05.S031", "reason": "x"])),
                                    .set("status", "receiptIssued")], to: report)
        var nested = try factory.patrolSignIn("nested")
        nested.fields["note"] = [FieldEntry(dot: Dot(factory.replica, 1), stamp: HLCTimestamp(wall: -5, logical: UInt32.max), author: factory.officer,
                                            value: .list([.int(Int64.min), .int(Int64.max), .bool(false), .list([]), .object([:])]))]
        return [report, try factory.patrolSignIn("p-1"), nested, RecordState(type: .patrolSignIn, id: RecordID("empty"), schemaVersion: 1)]
    }

    static func decoded(_ data: Data) -> PushRequest? { try? JSONDecoder().decode(PushRequest.self, from: data) }

    /// Truncations of `body` (every `truncatedEvery` bytes) and `edits` seeded single-byte replacements.
    static func variants(of body: [UInt8], truncatedEvery step: Int, seed: UInt64, edits: Int) -> [[UInt8]] {
        var variants: [[UInt8]] = stride(from: 0, to: body.count, by: step).map { Array(body[..<$0]) }
        var seed = seed
        let replacements = Array("{}[]\",:0123456789-.eEtrufalsn \\u".utf8)
        for _ in 0..<edits {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            var edited = body
            edited[Int(seed >> 33) % edited.count] = replacements[Int(seed >> 20) % replacements.count]
            variants.append(edited)
        }
        return variants
    }

    @Test("valid bodies from JSONEncoder and from the direct writer parse to the same request")
    func validBodies() throws {
        let request = PushRequest(batchID: "b-1", records: try Self.samples())
        var direct = Data(#"{"batchID":"b-1","protocolVersion":1,"records":["#.utf8)
        for (index, state) in request.records.enumerated() {
            if index > 0 { direct.append(0x2C) }
            direct.append(RecordStateJSON.encode(state))
        }
        direct.append(contentsOf: Array("]}".utf8))
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        for body in [try JSONEncoder().encode(request), direct, try pretty.encode(request)] {
            let fast = RecordStateJSON.decodePushRequest(body)
            #expect(fast != nil)
            #expect(fast == Self.decoded(body))
            #expect(fast == request)
        }
    }

    @Test("truncated and edited bodies: the fast path gives up or agrees with JSONDecoder, never differs")
    func brokenBodies() throws {
        let body = Array(try JSONEncoder().encode(PushRequest(batchID: "b-1", records: try Self.samples())))
        // Seeded single-byte edits, and edits that JSONDecoder tolerates but the fast path must not misread.
        var variants = Self.variants(of: body, truncatedEvery: 1, seed: 0xFA57, edits: 3_000)
        let text = String(decoding: body, as: UTF8.self)
        for edit in [("\"batchID\"", "\"batchID\":\"x\",\"batchID\""), ("\"by\":", "\"extra\":null,\"by\":"), ("true", "1.0"),
                     ("\"schemaVersion\":1", "\"schemaVersion\":1.0"), ("\"protocolVersion\":1", "\"protocolVersion\":1e0"),
                     ("KH1234", "KH\\u0031234"), ("\"vv\":{", "\"vv\":{\"t-0a1b\":0,")] {
            variants.append(Array(text.replacingOccurrences(of: edit.0, with: edit.1).utf8))
        }
        print("seed 0xFA57, \(variants.count) variants")
        for variant in variants {
            let data = Data(variant)
            if let fast = RecordStateJSON.decodePushRequest(data) {
                #expect(fast == Self.decoded(data), "\(String(decoding: variant, as: UTF8.self))")
            }
        }
    }
}
