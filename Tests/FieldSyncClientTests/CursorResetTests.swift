import FieldSyncClient
import FieldSyncCore
import FieldSyncStore
import Testing

/// A server restored from a backup no longer knows a terminal's cursor: the terminal starts its pull
/// over instead of stalling, and still converges (joins are idempotent).
@Suite struct CursorResetTests {
    @Test func anUnknownCursorRestartsThePullAndConverges() async throws {
        let fixture = try await SyncFixture()
        let a1 = try await fixture.terminal("a1", station: SyncFixture.stationA)
        let a2 = try await fixture.terminal("a2", station: SyncFixture.stationA)
        let now = fixture.server.clock.now
        for index in 0..<3 {
            try a1.store.createPatrolSignIn(NewPatrolSignIn(officers: [OfficerID("KH1001")], checkpoint: "CP-\(index)",
                                                            unit: SyncFixture.stationA, signedAt: now, method: .qr),
                                            by: OfficerID("KH1001"))
        }
        _ = try await a1.sync()
        // a2 holds a cursor from the future, as a terminal does when the server was restored from a backup.
        let _: AppliedPage = try a2.store.apply(page: PullPage(records: [], cursor: "999999", hasMore: false, serverTime: now))
        let report = try await a2.sync()
        #expect(report.pulled >= 3)
        #expect(try a2.store.count() == 3)
        #expect(try await fixture.divergence(of: a2) == [])
        #expect(try a2.store.checkpoint != "999999")
    }
}
