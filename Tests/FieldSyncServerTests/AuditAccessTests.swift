import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Issue 14 item 13: refused pushes and history reads leave chained, attributed traces.
@Suite("Audit: quarantine and history reads")
struct AuditAccessTests {
    @Test("an out-of-scope push is quarantined and chained: the quarantine row's state digest is in the audit chain",
          arguments: [TestBackend.sqlite, .postgres])
    func quarantineIsChained(backend: TestBackend) async throws {
        guard backend == .sqlite || TestPostgres.isEnabled else { return }
        let harness = try await Harness(backend: backend)
        do {
            let (device, _, _) = try await harness.enroll(Harness.stationA)
            let foreign = RecordFactory(replica: device.replica, station: Harness.stationB, now: harness.clock.now)
            let state = try foreign.patrolSignIn("p-elsewhere")
            let results = try await harness.push([state], from: device, batch: "b-out")
            #expect(results.first?.rejection?.code == .outOfScope)
            let entry = try #require(try await harness.storage.auditEntries(after: 0, limit: 100).last)
            #expect(entry.draft.kind == .quarantine && entry.draft.subject == "p-elsewhere")
            #expect(entry.draft.replica == device.replica.rawValue && entry.draft.actor == "KH1234")
            let digest = AuditChain.sha256Hex(RecordStateJSON.encode(state))
            #expect(entry.draft.detail == "batch b-out rejected outOfScope state sha256:\(digest)")
            #expect(try await harness.service.verifyAudit().isIntact)
        } catch {
            await harness.dispose()
            throw error
        }
        await harness.dispose()
    }

    @Test("reading a record's history needs a reason (typed 400 without one), and the read is audited with it")
    func historyNeedsReason() async throws {
        let harness = try await Harness()
        let (device, _, factory) = try await harness.enroll(Harness.stationA)
        _ = try await harness.push([try factory.householdVisit("v1")], from: device)
        await #expect(throws: ServerError.self) { try await harness.service.history(of: RecordID("v1"), reason: "  ") }
        let before = try await harness.storage.auditEntries(after: 0, limit: 100).count
        let admin: HTTPFields = [.authorization: "Bearer " + TestServer.adminToken]
        try await RouterTests.app(harness).test(.router) { client in
            let refused = try await client.execute(uri: "/v1/admin/records/v1/history", method: .get, headers: admin)
            #expect(refused.status == .badRequest)
            #expect(RouterTests.error(refused)?.code == .malformedRequest)
            let read = try await client.execute(uri: "/v1/admin/records/v1/history?reason=case%20review", method: .get, headers: admin)
            #expect(read.status == .ok)
        }
        let entries = try await harness.storage.auditEntries(after: 0, limit: 100)
        #expect(entries.count == before + 1, "the refused read reads nothing and leaves no entry")
        #expect(entries.last?.draft.kind == .adminRead && entries.last?.draft.subject == "v1")
        #expect(entries.last?.draft.detail == "history: case review")
    }
}
