import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import Synchronization
import Testing

/// Storage that pauses every push batch at its start until the test opens the gate: a way to hold a
/// request in flight while the server shuts down, without sleeping.
final class GatedStorage: SyncStorage {
    let base: any SyncStorage
    let entered: AsyncStream<Void>
    private let enteredContinuation: AsyncStream<Void>.Continuation
    /// Permits banked by `open()` and batches waiting for one: several batches may wait at once.
    private let gate = Mutex<(permits: Int, waiting: [CheckedContinuation<Void, Never>])>((0, []))

    init(base: any SyncStorage) {
        self.base = base
        (entered, enteredContinuation) = AsyncStream.makeStream()
    }

    /// Lets one waiting batch (or the next to arrive) through.
    func open() {
        let waiter = gate.withLock { gate -> CheckedContinuation<Void, Never>? in
            if gate.waiting.isEmpty { gate.permits += 1; return nil }
            return gate.waiting.removeFirst()
        }
        waiter?.resume()
    }

    func applyPush(_ batch: PushBatch, admit: @escaping @Sendable (RecordState, ServerRecord?) -> Admission) async throws -> AppliedPush {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let passes = gate.withLock { gate -> Bool in
                if gate.permits > 0 { gate.permits -= 1; return true }
                gate.waiting.append(continuation)
                return false
            }
            if passes { continuation.resume() }
            enteredContinuation.yield()
        }
        return try await base.applyPush(batch, admit: admit)
    }

    func prepare() async throws { try await base.prepare() }
    func createEnrollmentToken(_ token: EnrollmentToken, audit: AuditDraft) async throws { try await base.createEnrollmentToken(token, audit: audit) }
    func enroll(tokenHash: String, registration: DeviceRegistration, leaseSize: Int64, now: Int64) async throws -> Enrollment {
        try await base.enroll(tokenHash: tokenHash, registration: registration, leaseSize: leaseSize, now: now)
    }
    func device(_ replica: ReplicaID) async throws -> StoredDevice? { try await base.device(replica) }
    func devices() async throws -> [Device] { try await base.devices() }
    func revoke(_ replica: ReplicaID, now: Int64, audit: AuditDraft) async throws -> Device { try await base.revoke(replica, now: now, audit: audit) }
    func allocateLease(for device: Device, size: Int64, now: Int64) async throws -> ReceiptLease {
        try await base.allocateLease(for: device, size: size, now: now)
    }
    func leases() async throws -> [LeaseGrant] { try await base.leases() }
    func replaceRoster(of unit: UnitID, officers: [OfficerID], now: Int64, audit: AuditDraft) async throws {
        try await base.replaceRoster(of: unit, officers: officers, now: now, audit: audit)
    }
    func roster(of units: [UnitID]) async throws -> [RosterEntry] { try await base.roster(of: units) }
    func pullPage(after cursor: UInt64, scopes: [UnitID], limit: Int, maxBytes: Int) async throws -> StoredPage {
        try await base.pullPage(after: cursor, scopes: scopes, limit: limit, maxBytes: maxBytes)
    }
    func headSequence() async throws -> UInt64 { try await base.headSequence() }
    func record(_ id: RecordID, audit: AuditDraft?) async throws -> ServerRecord? { try await base.record(id, audit: audit) }
    func history(of id: RecordID) async throws -> [HistoryEntry] { try await base.history(of: id) }
    func conflictedRecords(limit: Int) async throws -> [ServerRecord] { try await base.conflictedRecords(limit: limit) }
    func quarantine(limit: Int) async throws -> [QuarantinedChange] { try await base.quarantine(limit: limit) }
    func openDeadlines(dueBy: Int64) async throws -> [OpenDeadline] { try await base.openDeadlines(dueBy: dueBy) }
    func overdueCounts(at now: Int64) async throws -> [OverdueCount] { try await base.overdueCounts(at: now) }
    func purge(_ id: RecordID, audit: AuditDraft) async throws { try await base.purge(id, audit: audit) }
    func appendAudit(_ draft: AuditDraft) async throws -> AuditEntry { try await base.appendAudit(draft) }
    func auditEntries(after sequence: UInt64, limit: Int) async throws -> [AuditEntry] { try await base.auditEntries(after: sequence, limit: limit) }
    var auditSigner: AuditSigner? { base.auditSigner }
    var auditSigningRefusal: String? { base.auditSigningRefusal }
    func latestCheckpoint() async throws -> AuditCheckpoint? { try await base.latestCheckpoint() }
    func checkpoints(after sequence: UInt64, limit: Int) async throws -> [AuditCheckpoint] { try await base.checkpoints(after: sequence, limit: limit) }
    func historyRows(after sequence: UInt64, limit: Int) async throws -> [StoredHistoryRow] { try await base.historyRows(after: sequence, limit: limit) }
    func recordsWithHistory(after id: RecordID?, limit: Int) async throws -> [StoredRecordRows] {
        try await base.recordsWithHistory(after: id, limit: limit)
    }
    func firstHistoryWithoutRecord() async throws -> StoredHistoryRow? { try await base.firstHistoryWithoutRecord() }
    func chainedQuarantineRows(after id: Int64, limit: Int) async throws -> [StoredQuarantineRow] {
        try await base.chainedQuarantineRows(after: id, limit: limit)
    }
}

@Suite("Graceful shutdown")
struct GracefulShutdownTests {
    @Test("a push in flight when shutdown begins is answered and committed; the server then stops")
    func inFlightPushFinishes() async throws {
        let harness = try await Harness()
        let storage = GatedStorage(base: harness.storage)
        let clock = harness.clock
        var settings = harness.service.settings
        settings.rateLimit = nil
        let service = SyncService(storage: storage, settings: settings, clock: { clock.now })
        let token = try await service.createEnrollmentToken(station: Harness.stationA)
        let identity = try await service.enroll(EnrollRequest(token: token.token, deviceName: "t"))
        var config = ServerConfig()
        config.port = 0
        let server = try await RunningServer.start(service: service, config: config)
        let factory = RecordFactory(enrolled: identity, now: clock.now)
        let records = try (0..<50).map { try factory.patrolSignIn("p\($0)") }
        let http = HTTPTestClient(baseURL: server.baseURL)
        let push = Task {
            try await http.post("/v1/push", PushRequest(batchID: "in-flight", records: records), bearer: identity.credential)
        }
        var entered = storage.entered.makeAsyncIterator()
        _ = await entered.next()
        let stopping = Task { try await server.stop() }
        storage.open()
        let reply = try await push.value
        #expect(reply.status == 200)
        #expect(try reply.decode(PushResponse.self).results.allSatisfy { if case .accepted = $0.outcome { true } else { false } })
        try await stopping.value
        #expect(try harness.count("records") == 50)
    }
}
