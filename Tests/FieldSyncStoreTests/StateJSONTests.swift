import FieldSyncCore
import Foundation
@testable import FieldSyncStore
import Testing

@Suite("Stored state JSON")
struct StateJSONTests {
    static let awkward: RecordState = {
        let replica = ReplicaID("T-1"), other = ReplicaID("T_2.b")
        func entry(_ replica: ReplicaID, _ counter: UInt64, _ value: FieldValue) -> FieldEntry {
            FieldEntry(dot: Dot(replica, counter), stamp: HLCTimestamp(wall: -5 + Int64(counter), logical: UInt32.max),
                       author: OfficerID("A1"), value: value)
        }
        return RecordState(type: .incidentReport, id: RecordID("r.1"), schemaVersion: 3,
                           context: VersionVector([replica: 2, other: UInt64(Int64.max)]), fields: [
            "narrative": [entry(replica, 1, "quote \" backslash \\ slash / tab \t newline \n bell \u{07} 中文 😀"),
                          entry(other, 9, "")],
            "numbers": [entry(replica, 2, .list([.int(Int64.min), .int(Int64.max), .int(0), .bool(true), .bool(false)]))],
            "nested": [entry(other, 3, .object(["to": "KH.P04", "list": .list([.object([:]), .list([])]), "é": 1]))],
        ])
    }()

    @Test("what the store writes, Foundation's Codable reads identically, and the reverse")
    func agreesWithCodable() throws {
        let state = Self.awkward
        #expect(try JSONDecoder().decode(RecordState.self, from: StateJSON.encode(state)) == state)
        #expect(try StateJSON.decode(JSONEncoder().encode(state)) == state)
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .sortedKeys]
        #expect(try StateJSON.decode(pretty.encode(state)) == state)
        #expect(try StateJSON.decode(StateJSON.encode(state)) == state)
    }

    @Test("truncated, fractional or over-deep input is refused as corrupted")
    func refusesBadInput() throws {
        let good = StateJSON.encode(Self.awkward)
        for cut in [1, good.count / 2, good.count - 1] {
            #expect(throws: StoreError.self) { try StateJSON.decode(good.prefix(cut)) }
        }
        let fraction = Data(#"{"type":"t","id":"i","schemaVersion":1.5,"vv":{},"fields":{}}"#.utf8)
        #expect(throws: StoreError.self) { try StateJSON.decode(fraction) }
        let deep = String(repeating: "[", count: 9) + String(repeating: "]", count: 9)
        let tooDeep = Data(#"{"type":"t","id":"i","schemaVersion":1,"vv":{"R":1},"fields":{"f":[{"dot":["R",1],"stamp":[1,0],"by":"A","value":\#(deep)}]}}"#.utf8)
        #expect(throws: StoreError.self) { try StateJSON.decode(tooDeep) }
    }
}
