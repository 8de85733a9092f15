import FieldSyncCore
import Foundation
@testable import FieldSyncStore
import GRDB
import Testing

/// The push sent and not yet answered (SPEC 10.2): kept across restarts exactly as sent, personal data
/// sealed at rest, and forgotten in the transaction that records its answer.
@Suite("Unanswered push")
struct UnansweredPushStoreTests {
    @Test("an unanswered push survives reopening unchanged, sealed at rest, until its answer is recorded")
    func keptUntilAnswered() throws {
        let fixture = try StoreFixture()
        let visit = try fixture.store.createHouseholdVisit(StoreFixture.visit(name: "王小明"), by: StoreFixture.officer)
        let request = PushRequest(batchID: "b-1", records: try fixture.store.pendingPush())
        #expect(try fixture.store.unansweredPush() == nil)
        try fixture.store.rememberPush(request)

        let reopened = try fixture.reopen()
        #expect(try reopened.unansweredPush() == request)
        let stored = try reopened.pool.read { try Data.fetchAll($0, sql: "SELECT sealedState FROM unanswered_push") }
        #expect(!stored.isEmpty && !stored.contains { String(decoding: $0, as: UTF8.self).contains("王小明") })

        // Another batch's answer leaves it; its own answer forgets it.
        try reopened.acknowledge(pushed: [], response: PushResponse(batchID: "b-0", results: [], serverTime: fixture.clock.now))
        #expect(try reopened.unansweredPush() == request)
        try reopened.acknowledge(pushed: request.records, response: PushResponse(
            batchID: "b-1", results: [RecordResult(id: visit.id, outcome: .accepted(seq: 1))], serverTime: fixture.clock.now))
        #expect(try reopened.unansweredPush() == nil)
        #expect(try reopened.pendingPushCount() == 0)
    }

    @Test("one sealed row per batch; rows an earlier version wrote per state still read back; a row that does not open is an error")
    func formats() throws {
        let fixture = try StoreFixture()
        _ = try fixture.store.createHouseholdVisit(StoreFixture.visit(name: "王小明"), by: StoreFixture.officer)
        _ = try fixture.store.createHouseholdVisit(StoreFixture.visit(name: "李大華"), by: StoreFixture.officer)
        let request = PushRequest(batchID: "b-2", records: try fixture.store.pendingPush())
        #expect(request.records.count == 2)
        try fixture.store.rememberPush(request)
        let positions = try fixture.store.pool.read { try Int.fetchAll($0, sql: "SELECT position FROM unanswered_push") }
        #expect(positions == [TerminalStore.wholeBatchPosition])

        // The earlier layout: a row per state, sensitive values sealed inside each.
        let cipher = try fixture.store.cipher
        try fixture.store.pool.write { db in
            try db.execute(sql: "DELETE FROM unanswered_push")
            for (position, state) in request.records.enumerated() {
                let sealed = try cipher.sealingSensitive(state, schema: try fixture.store.schema(for: state.type))
                try db.execute(sql: "INSERT INTO unanswered_push (position, batchID, sealedState) VALUES (?, ?, ?)", arguments: [
                    position, "b-2", try cipher.sealBlob(StateJSON.encode(sealed), context: TerminalStore.unansweredContext("b-2", position))])
            }
        }
        #expect(try fixture.store.unansweredPush() == request)

        // A whole-batch row moved under another batch id does not open: reported, never sent.
        try fixture.store.rememberPush(request)
        try fixture.store.pool.write { try $0.execute(sql: "UPDATE unanswered_push SET batchID = 'b-3'") }
        #expect { try fixture.store.unansweredPush() } throws: { ($0 as? StoreError)?.code == .corrupted }
    }
}
