import FieldSyncClient
import FieldSyncCore
import FieldSyncStore
import FieldSyncTesting
import Foundation
import Testing

/// The next round of a sync goes out while the terminal applies the page just received (the server
/// answers it meanwhile). What that must never cost: a page half-stored, a cursor ahead of the records,
/// a batch lost or pushed under two ids.
@Suite struct PipelinedRoundTests {
    static let alice = OfficerID("KH1001")

    /// `count` sign-ins written offline on `terminal`.
    private func writeOffline(_ count: Int, on terminal: Terminal, fixture: SyncFixture) throws -> [RecordID] {
        try (0..<count).map { index in
            try terminal.store.createPatrolSignIn(NewPatrolSignIn(
                officers: [Self.alice], checkpoint: "CP-\(terminal.name)-\(index)", unit: SyncFixture.stationA,
                signedAt: fixture.server.clock.now, method: .gps), by: Self.alice).id
        }
    }

    /// A server holding `count` sign-ins of station A, and a fresh terminal's store (`wrap`ped) with an
    /// engine pulling pages of 4 through a recording transport, enrolled.
    private func freshTerminal<Store: ForwardingStore>(holding count: Int, _ wrap: (TerminalStore, RecordingTransport) -> Store) async throws
        -> (fixture: SyncFixture, recorder: RecordingTransport, store: TerminalStore, wrapped: Store, engine: SyncEngine) {
        let fixture = try await SyncFixture()
        let writer = try await fixture.terminal("writer", station: SyncFixture.stationA)
        _ = try writeOffline(count, on: writer, fixture: fixture)
        try await writer.sync()
        let recorder = RecordingTransport(fixture.http)
        let store = try TerminalStore(path: fixture.directory.appendingPathComponent("fresh.sqlite").path,
                                      access: .create(officer: Self.alice, passphrase: "pin"), keys: StoreKeys(cost: .fast),
                                      now: { fixture.server.clock.now })
        let wrapped = wrap(store, recorder)
        let engine = SyncEngine(store: wrapped, transport: recorder, batchSize: 3, pageSize: 4, makeBatchID: { UUID().uuidString })
        let token = try await fixture.server.service.createEnrollmentToken(station: SyncFixture.stationA)
        _ = try await engine.enroll(token: token.token, deviceName: "fresh")
        return (fixture, recorder, store, wrapped, engine)
    }

    @Test func theNextRoundIsAnsweredWhileAPageIsApplied() async throws {
        // A fresh terminal pulls 10 records in pages of 4: its first page's apply waits for the second
        // request to reach the server. Applied one round after the other, it would wait in vain.
        let (fixture, recorder, store, gated, engine) = try await freshTerminal(holding: 10) { GatedStore($0, waitingFor: $1, requests: 2) }
        let report = try await engine.syncUntilCaughtUp()
        #expect(gated.overlapped.get() == true, "the second request reached the server while the first page was being applied")
        #expect(report.pulled == 10)
        #expect(try store.count() == 10)
        // Each request pulled from the cursor of the page before it, and the last cursor is stored.
        let cursors = recorder.requests.get().map { $0.pull?.cursor }
        #expect(cursors.first == .some(nil))
        #expect(cursors.count == report.roundTrips)
        #expect(try store.checkpoint == recorder.lastCursor.get())
        try await fixture.tearDown()
    }

    @Test func aPullOnlySyncSendsTheRoundAfterNextWhileAPageIsApplied() async throws {
        // Pages of 4: the first page's apply waits until the third request reached the server. With one
        // round ahead only, the third request would wait for that apply, and the gate in vain.
        let (fixture, recorder, store, gated, engine) = try await freshTerminal(holding: 14) { GatedStore($0, waitingFor: $1, requests: 3) }
        let report = try await engine.syncUntilCaughtUp()
        #expect(gated.overlapped.get() == true, "the third request reached the server while the first page was being applied")
        #expect(report.pulled == 14 && report.roundTrips == recorder.requests.get().count)
        #expect(try store.count() == 14)
        let cursors = recorder.requests.get().map { $0.pull?.cursor }
        #expect(cursors.first == .some(nil) && Set(cursors).count == cursors.count, "each round from a new cursor: \(cursors)")
        #expect(try store.checkpoint == recorder.lastCursor.get())
        #expect(try await fixture.divergence(of: Terminal(name: "fresh", store: store, engine: engine)) == [])
        try await fixture.tearDown()
    }

    @Test func aFailedApplyWithARoundAheadKeepsTheCursorBeforeIt() async throws {
        let (fixture, recorder, store, failing, engine) = try await freshTerminal(holding: 14) { store, _ in FailingStore(store) }
        await #expect(throws: StoreError.self) { try await engine.syncUntilCaughtUp() }
        #expect(try store.checkpoint == nil, "no page applied, no cursor kept")
        #expect(try store.count() == 0)
        failing.failing.update { $0 = false }
        let report = try await engine.syncUntilCaughtUp()
        #expect(report.pulled == 14)
        #expect(try store.count() == 14)
        #expect(try store.checkpoint == recorder.lastCursor.get())
        try await fixture.tearDown()
    }

    @Test func aPageThatFailsToApplyKeepsTheNextBatchForResend() async throws {
        let fixture = try await SyncFixture()
        let recorder = RecordingTransport(fixture.http)
        let a1 = try await fixture.terminal("a1", station: SyncFixture.stationA, transport: recorder)
        let ids = try writeOffline(7, on: a1, fixture: fixture)
        let failing = FailingStore(a1.store)
        let engine = SyncEngine(store: failing, transport: recorder, batchSize: 3, pageSize: 4, makeBatchID: { UUID().uuidString })

        // Round 1 pushes a batch of 3 and brings back a page; round 2's batch is remembered and sent
        // while that page is applied, and the apply fails.
        await #expect(throws: StoreError.self) { try await engine.syncUntilCaughtUp() }
        let sentFirst = try #require(recorder.requests.get().first?.push)
        let unanswered = try #require(try a1.store.unansweredPush(), "the batch that went out with the next round is kept")
        #expect(unanswered.batchID != sentFirst.batchID)
        #expect(Set(unanswered.records.map(\.id)).isDisjoint(with: sentFirst.records.map(\.id)))
        #expect(try a1.store.checkpoint == nil, "the cursor stays before the page that was not applied")
        #expect(try a1.store.count() == 7)

        failing.failing.update { $0 = false }
        recorder.requests.update { $0 = [] }
        let report = try await engine.syncUntilCaughtUp()
        #expect(recorder.requests.get().first?.push?.batchID == unanswered.batchID, "resent under its own id")
        #expect(report.pushed >= 4)
        #expect(try a1.store.pendingPushCount() == 0)
        #expect(try a1.store.unansweredPush() == nil)
        for id in ids {
            #expect(try await fixture.server.service.history(of: id, reason: "test").count == 1, "a resent state is not a new change")
        }
        #expect(try await fixture.divergence(of: a1) == [])
        try await fixture.tearDown()
    }
}

/// Passes requests through and keeps them, and signals every request it sees.
final class RecordingTransport: SyncTransport {
    let inner: any SyncTransport
    let requests = LockedValue<[SyncRequest]>([])
    let lastCursor = LockedValue<String?>(nil)
    let arrived = DispatchSemaphore(value: 0)

    init(_ inner: any SyncTransport) { self.inner = inner }

    func enroll(_ request: EnrollRequest) async throws(ClientError) -> EnrollResponse { try await inner.enroll(request) }

    func sync(_ request: SyncRequest, credential: String) async throws(ClientError) -> SyncResponse {
        requests.update { $0.append(request) }
        arrived.signal()
        let response = try await inner.sync(request, credential: credential)
        if let cursor = response.pull?.cursor { lastCursor.update { $0 = cursor } }
        return response
    }

    func lease(_ request: LeaseRequest, credential: String) async throws(ClientError) -> LeaseResponse {
        try await inner.lease(request, credential: credential)
    }
}

/// A terminal store whose first page apply waits until `transport` has seen `requests` requests (or
/// gives up after 30 s, and then says so through `overlapped`).
final class GatedStore: ForwardingStore, @unchecked Sendable {
    let transport: RecordingTransport
    let requests: Int
    let overlapped = LockedValue<Bool?>(nil)

    init(_ inner: TerminalStore, waitingFor transport: RecordingTransport, requests: Int) {
        self.transport = transport
        self.requests = requests
        super.init(inner)
    }

    override func apply(page: PullPage, accepted: [RecordState]) throws -> [RecordID] {
        if overlapped.get() == nil {
            var seen = transport.requests.get().count
            var inTime = true
            while seen < requests && inTime {
                inTime = transport.arrived.wait(timeout: .now() + 30) == .success
                seen = transport.requests.get().count
            }
            overlapped.update { $0 = seen >= requests }
        }
        return try inner.apply(page: page, accepted: accepted)
    }
}

/// A terminal store whose page applies fail while `failing` is set.
final class FailingStore: ForwardingStore, @unchecked Sendable {
    let failing = LockedValue(true)

    override func apply(page: PullPage, accepted: [RecordState]) throws -> [RecordID] {
        if failing.get() { throw StoreError(.io, "injected: the page could not be written") }
        return try inner.apply(page: page, accepted: accepted)
    }
}

/// Every call passes to a real terminal store; subclasses intercept some.
class ForwardingStore: SyncEngineStore, @unchecked Sendable {
    let inner: TerminalStore

    init(_ inner: TerminalStore) { self.inner = inner }

    func deviceCredential() throws -> String? { try inner.deviceCredential() }
    func saveEnrollment(_ response: EnrollResponse) throws { try inner.saveEnrollment(response) }
    func pendingPush(limit: Int) throws -> [RecordState] { try inner.pendingPush(limit: limit) }
    func unansweredPush() throws -> PushRequest? { try inner.unansweredPush() }
    func rememberPush(_ request: PushRequest) throws { try inner.rememberPush(request) }
    func acknowledge(pushed: [RecordState], response: PushResponse) throws { try inner.acknowledge(pushed: pushed, response: response) }
    func pullCursor() throws -> String? { try inner.pullCursor() }
    func resetPullCursor() throws { try inner.resetPullCursor() }
    func apply(page: PullPage, accepted: [RecordState]) throws -> [RecordID] { try inner.apply(page: page, accepted: accepted) }
    func observeServerTime(_ serverWall: Int64) throws { try inner.observeServerTime(serverWall) }
    func leaseRunningLow() throws -> Bool { try inner.leaseRunningLow() }
    func saveLease(_ lease: ReceiptLease) throws { try inner.saveLease(lease) }
    func wipe() throws { try inner.wipe() }
    func saveAuditPublicKey(_ publicKey: String) throws { try inner.saveAuditPublicKey(publicKey) }
    func keepAuditCheckpoint(_ checkpoint: AuditCheckpoint) throws -> AuditCheckpointOutcome { try inner.keepAuditCheckpoint(checkpoint) }
}
