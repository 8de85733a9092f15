import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation
import Testing

/// The bug the simulator found first: a push whose request was delayed in the network, retried under
/// a new batch id and refused (`clockSkew`: the terminal's clock ran ahead), was admitted when the
/// delayed copy arrived minutes later, after the terminal had rolled the record back and kept the
/// write among its rejected changes. The terminal's abandoned write came back from the server.
/// An unanswered batch is now resent as it was (same id, same states), so the late copy is a replay.
@Suite("Unanswered pushes are resent as they were")
struct UnansweredPushTests {
    /// Holds the first request it is given (the network keeps it) and fails it; passes the rest on.
    final class HoldingTransport: SyncTransport {
        let service: SyncService
        let held = LockedValue<SyncRequest?>(nil)

        init(service: SyncService) { self.service = service }

        func enroll(_ request: EnrollRequest) async throws(ClientError) -> EnrollResponse {
            do { return try await service.enroll(request) } catch { throw ClientError(.unreachable, "\(error)") }
        }

        func sync(_ request: SyncRequest, credential: String) async throws(ClientError) -> SyncResponse {
            let holding = held.update { held -> Bool in
                guard held == nil else { return false }
                held = request
                return true
            }
            if holding {
                throw ClientError(.unreachable, "held in the network")
            }
            return try await deliver(request, credential: credential)
        }

        func deliver(_ request: SyncRequest, credential: String) async throws(ClientError) -> SyncResponse {
            do {
                return try await service.sync(request, from: try await service.authenticate(credential: credential))
            } catch {
                throw ClientError(.server, "\(error)", protocolError: (error as? ServerError)?.protocolError)
            }
        }

        func lease(_ request: LeaseRequest, credential: String) async throws(ClientError) -> LeaseResponse {
            do { return try await service.lease(for: try await service.authenticate(credential: credential)) } catch {
                throw ClientError(.unreachable, "\(error)")
            }
        }
    }

    @Test("a refused push that arrives again late is a replay, not a new admission")
    func lateCopyOfRefusedPush() async throws {
        let directory = NSTemporaryDirectory() + "fieldsync-unanswered-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let storage = try SQLiteStorage(path: directory + "/server.sqlite")
        try await storage.prepare()
        let serverClock = TestClock()
        var settings = SyncService.Settings()
        settings.rateLimit = nil
        let service = SyncService(storage: storage, settings: settings, clock: { serverClock.now })
        // The terminal's clock runs 15 minutes ahead: beyond the server's 10-minute tolerance.
        let store = try TerminalStore(path: directory + "/t.sqlite", access: .create(officer: OfficerID("KH1001"), passphrase: "pin"),
                                      keys: StoreKeys(cost: .fast), now: { serverClock.now + 15 * 60_000 })
        let transport = HoldingTransport(service: service)
        let engine = SyncEngine(store: store, transport: transport, makeBatchID: { UUID().uuidString })
        let token = try await service.createEnrollmentToken(station: UnitID("KH.P03.S012"))
        _ = try await engine.enroll(token: token.token, deviceName: "ahead")
        // Enrollment corrected the clock; set it wrong again, as a clock that jumps does.
        try store.correctClock(serverTime: serverClock.now + 15 * 60_000)
        let record = try store.createPatrolSignIn(NewPatrolSignIn(
            officers: [OfficerID("KH1001")], checkpoint: "CP-1", unit: UnitID("KH.P03.S012"),
            signedAt: serverClock.now, method: .qr), by: OfficerID("KH1001"))

        await #expect(throws: ClientError.self) { try await engine.syncUntilCaughtUp() }
        let late = try #require(transport.held.get())
        try await engine.syncUntilCaughtUp()
        #expect(try store.rejectedChanges().map(\.rejection.code) == [.clockSkew])
        #expect(try store.record(record.id) == nil, "rolled back: the server holds no state of it")

        // Six minutes on, the write's stamp is within the tolerance; the held copy arrives.
        serverClock.advance(milliseconds: 6 * 60_000)
        let answer = try await transport.deliver(late, credential: try store.identity!.credential)
        #expect(answer.push?.results.first.map { if case .rejected = $0.outcome { true } else { false } } == true,
                "the late copy was admitted: \(String(describing: answer.push?.results))")
        #expect(try await storage.record(record.id, audit: nil) == nil)
        try await engine.syncUntilCaughtUp()
        #expect(try store.record(record.id) == nil)
    }
}
