import FieldSyncCore
@testable import FieldSyncClient
import Testing

@Suite("Push batches stay within a byte budget")
struct BatchBudgetTests {
    static func state(_ index: Int, narrative: Int) -> RecordState {
        let entry = FieldEntry(dot: Dot(ReplicaID("t-1"), 1), stamp: HLCTimestamp(wall: 1_763_900_000_000), author: OfficerID("KH1"),
                               value: .string(String(repeating: "x", count: narrative)))
        return RecordState(type: .incidentReport, id: RecordID("r\(index)"), schemaVersion: 1,
                           context: VersionVector([ReplicaID("t-1"): 1]), fields: ["narrative": [entry]])
    }

    @Test("a batch is cut before the budget, never to nothing, and keeps its order")
    func budget() {
        let states = (0..<10).map { Self.state($0, narrative: 1_000) }
        let size = RecordStateJSON.encode(states[0]).count
        #expect(SyncEngine.withinBudget(states, bytes: size * 3 + 1).map(\.id) == states.prefix(3).map(\.id))
        #expect(SyncEngine.withinBudget(states, bytes: 10).map(\.id) == [states[0].id], "one state always goes")
        #expect(SyncEngine.withinBudget(states, bytes: 1 << 30).count == 10)
        #expect(SyncEngine.withinBudget([], bytes: 10).isEmpty)
    }
}
