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
}
