import Dispatch
import FieldSyncCore
import FieldSyncStore

/// One terminal's sync: push the outbox in bounded batches and pull pages until caught up, in
/// combined round trips. Safe to interrupt anywhere: pushes are idempotent (a re-pushed state joins to
/// the same server state) and a page and its cursor are stored together.
public struct SyncEngine: Sendable {
    /// What one `syncUntilCaughtUp(progress:)` did, for logs and the status file.
    public struct Report: Sendable, Hashable, Codable {
        /// `/v1/sync` exchanges answered.
        public var roundTrips = 0
        /// Record states pushed (a resent batch counts again).
        public var pushed = 0
        /// Pushed states the server accepted.
        public var accepted = 0
        /// Pushed states the server rejected (kept in the store's rejected changes).
        public var rejected = 0
        /// Record states pulled (a record pulled on two pages counts twice).
        public var pulled = 0
        /// Records that began to wait for a person during this sync.
        public var conflicted: [RecordID] = []
        /// Whether a new block of receipt numbers was leased at the end.
        public var leaseRenewed = false
        /// Why the server's audit checkpoint was not kept this sync, if it was not (SPEC §8.7).
        public var auditCheckpointProblem: AuditCheckpointProblem?

        /// A report of nothing done.
        public init() {}

        /// Counts an applied page in. A checkpoint that does not verify or goes backwards is reported,
        /// never fatal: the records are fine.
        mutating func add(_ page: AppliedPageReport) {
            conflicted += page.conflicted
            pulled += page.pulled
            if case .refused(let problem) = page.checkpoint { auditCheckpointProblem = problem }
        }
    }

    /// The terminal's store: the outbox, the cursor, the clock and the lease.
    public let store: any SyncEngineStore
    /// How the engine reaches the server.
    public let transport: any SyncTransport
    /// Most records per push batch (then cut to `maxBatchBytes`).
    public var batchSize: Int
    /// Records per pull page asked for (the server caps it).
    public var pageSize: Int
    /// Most bytes of record states per pull page asked for: what a page costs the terminal's memory
    /// (the server caps it too; a page holds at least one record).
    public var maxPageBytes = 4 << 20
    /// Fresh batch ids (UUIDs in production; injected for deterministic tests).
    public var makeBatchID: @Sendable () -> String
    /// Most bytes of record JSON in one push, well under the server's 16 MiB body limit: a batch of long
    /// case files must not be refused whole (413) on every attempt, which would also stop the pull.
    public var maxBatchBytes = 8 << 20
    /// Guards against a server or store bug that would otherwise loop forever.
    public var maxRoundTrips = 100_000

    /// An engine over `store` and `transport`. Traps (precondition) unless `batchSize` and `pageSize`
    /// are positive.
    public init(store: any SyncEngineStore, transport: any SyncTransport, batchSize: Int = 500, pageSize: Int = 10_000,
                makeBatchID: @escaping @Sendable () -> String) {
        precondition(batchSize > 0 && pageSize > 0)
        self.store = store
        self.transport = transport
        self.batchSize = batchSize
        self.pageSize = pageSize
        self.makeBatchID = makeBatchID
    }

    /// The longest prefix of `states` within `bytes` of JSON, and at least one state, so the outbox
    /// always drains (the rest go in the next round trip of the same sync).
    static func withinBudget(_ states: [RecordState], bytes: Int) -> [RecordState] {
        var used = 0
        for (index, state) in states.enumerated() {
            used += RecordStateJSON.encode(state).count
            if used > bytes && index > 0 { return Array(states[..<index]) }
        }
        return states
    }

    private static func result<Value>(_ body: () async throws(ClientError) -> Value) async -> Result<Value, ClientError> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    /// Exchanges a one-time enrollment token for this terminal's identity, credential and first lease,
    /// and stores them with the server's audit key and clock.
    /// - Throws: the transport's `ClientError` (nothing stored), or the store's error (e.g. `.alreadyEnrolled`).
    public func enroll(token: String, deviceName: String) async throws -> EnrollResponse {
        let response = try await transport.enroll(EnrollRequest(token: token, deviceName: deviceName))
        try store.saveEnrollment(response)
        if let key = response.auditPublicKey { try store.saveAuditPublicKey(key) }
        try store.observeServerTime(response.serverTime)
        return response
    }

    /// Syncs until the outbox is empty and the pull is caught up, then renews the receipt lease when it
    /// runs low. `progress` sees the running report after every round trip. Safe to call again after
    /// any failure: an unanswered batch is resent as it was.
    /// - Throws: `ClientError` `.notEnrolled`; `.revoked` after a revocation whose proof verified (the
    ///   store is wiped); `.server` for any other error answer, a wipe request that does not prove its
    ///   origin included (nothing is wiped); `.unreachable`; `.configuration` for a redirect;
    ///   `.malformedResponse`, also when the server leaves a pushed record unanswered or the sync does
    ///   not converge in `maxRoundTrips`. The store's errors as they come (`StoreError.locked` while
    ///   nobody is signed in).
    @discardableResult
    public func syncUntilCaughtUp(progress: (@Sendable (Report) -> Void)? = nil) async throws -> Report {
        guard let credential = try store.deviceCredential() else {
            throw ClientError(.notEnrolled, "this terminal is not enrolled: run `fieldsync daemon` with an enrollment token first")
        }
        var report = Report()
        var cursorReset = false
        var push = try nextPush()
        var outcome = await exchange(push, cursor: try store.pullCursor(), credential: credential)
        /// A pull-only round sent before the page before it was applied (see below).
        var ahead: Task<Result<SyncResponse, ClientError>, Never>?
        while true {
            guard report.roundTrips < maxRoundTrips else {
                throw ClientError(.malformedResponse, "sync did not converge after \(maxRoundTrips) round trips")
            }
            let response: SyncResponse
            switch outcome {
            case .success(let answer):
                response = answer
            case .failure(let error):
                if error.protocolError?.code == .revoked || error.protocolError?.wipe == true {
                    // Wipe only on the authenticated revocation; anything else keeps every record.
                    guard RevocationProof.verifies(error.protocolError, httpStatus: error.httpStatus, credential: credential) else {
                        throw ClientError(.server, "the answer asked this terminal to wipe itself but does not prove it comes "
                                          + "from the server that enrolled it; nothing was wiped (\(error.message))",
                                          protocolError: error.protocolError, httpStatus: error.httpStatus)
                    }
                    try store.wipe()
                    throw ClientError(.revoked, error.message, protocolError: error.protocolError, httpStatus: error.httpStatus)
                }
                // A server restored from a backup no longer knows our cursor: start the pull over
                // (joins are idempotent) rather than stall. Once per sync, so a bug cannot loop.
                if error.protocolError?.code == .invalidCursor, try store.pullCursor() != nil, !cursorReset {
                    try store.resetPullCursor()
                    cursorReset = true
                    push = try nextPush()
                    outcome = await exchange(push, cursor: nil, credential: credential)
                    continue
                }
                throw error
            }
            report.roundTrips += 1
            try store.observeServerTime(response.serverTime)
            // The states of this round's push that the server accepted: the page may bring them back.
            var accepted: [RecordState] = []
            if let push {
                guard let answers = response.push, answers.results.count == push.records.count else {
                    throw ClientError(.malformedResponse, "the server did not answer every pushed record")
                }
                try store.acknowledge(pushed: push.records, response: answers)
                report.pushed += push.records.count
                let pushed = Dictionary(push.records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                for result in answers.results {
                    if case .accepted = result.outcome {
                        report.accepted += 1
                        if let state = pushed[result.id] { accepted.append(state) }
                    } else {
                        report.rejected += 1
                    }
                }
            }
            guard let page = response.pull else {
                progress?(report)
                if push == nil { break }
                push = try nextPush()
                outcome = await exchange(push, cursor: try store.pullCursor(), credential: credential)
                continue
            }
            guard push != nil || page.hasMore else {
                report.add(try await apply(page, accepted: accepted))
                progress?(report)
                break
            }
            // The next round goes out before this page is applied, from the page's cursor: the server
            // answers it while the terminal applies this one. Should the apply fail, that round is
            // still awaited (not cancelled: the server would be applying a batch the terminal no longer
            // waits for, and refuses a resend meanwhile with 429) and its answer dropped: its batch
            // stays remembered and is resent as it was (SPEC 10.2), and the cursor stored is still the
            // one before this page.
            let next: PushRequest?
            let nextRound: Task<Result<SyncResponse, ClientError>, Never>
            if let early = ahead {
                (next, nextRound, ahead) = (nil, early, nil)
            } else {
                next = try nextPush()
                let cursor = page.cursor
                nextRound = Task { await self.exchange(next, cursor: cursor, credential: credential) }
            }
            let applying = Task { try await self.apply(page, accepted: accepted) }
            // A pull-only next round whose answer comes back, with more to pull, while this page is still
            // being applied: the round after it goes out at once (an initial sync has a request in flight
            // at every moment; at most three pages are held: this one, the next, and the one in flight).
            if next == nil, case .success(let answer) = await Self.awaitRound(nextRound), answer.push == nil,
               let more = answer.pull, more.hasMore, outboxIsEmpty() {
                ahead = Task { await self.exchange(nil, cursor: more.cursor, credential: credential) }
            }
            do {
                report.add(try await applying.value)
            } catch {
                _ = await nextRound.value
                _ = await ahead?.value
                throw error
            }
            progress?(report)
            push = next
            outcome = await Self.awaitRound(nextRound)
        }
        if try store.leaseRunningLow() {
            let lease = try await transport.lease(LeaseRequest(), credential: credential)
            try store.saveLease(lease.lease)
            report.leaseRenewed = true
        }
        return report
    }

    /// The batch a round carries: the unanswered one, resent as it was (SPEC 10.2), else the next of
    /// the outbox, remembered before it is sent; nil when the outbox is empty.
    private func nextPush() throws -> PushRequest? {
        if let unanswered = try store.unansweredPush() { return unanswered }
        let pending = Self.withinBudget(try store.pendingPush(limit: batchSize), bytes: maxBatchBytes)
        guard !pending.isEmpty else { return nil }
        let push = PushRequest(batchID: makeBatchID(), records: pending)
        try store.rememberPush(push)
        return push
    }

    /// One `/v1/sync` exchange: `push` (if any) and a pull from `cursor`.
    private func exchange(_ push: PushRequest?, cursor: String?, credential: String) async -> Result<SyncResponse, ClientError> {
        let request = SyncRequest(push: push, pull: PullRequest(cursor: cursor, limit: pageSize, maxBytes: maxPageBytes))
        let transport = self.transport
        return await Self.result { () async throws(ClientError) -> SyncResponse in
            try await transport.sync(request, credential: credential)
        }
    }

    /// What applying a page brought.
    struct AppliedPageReport: Sendable {
        var pulled: Int
        var conflicted: [RecordID]
        var checkpoint: AuditCheckpointOutcome?
    }

    /// Applies a pulled page and keeps its audit checkpoint, on a dispatch thread (`offThePool`).
    private func apply(_ page: PullPage, accepted: [RecordState]) async throws -> AppliedPageReport {
        let store = self.store
        let (conflicted, checkpoint) = try await Self.offThePool {
            (try store.apply(page: page, accepted: accepted), try page.auditCheckpoint.map { try store.keepAuditCheckpoint($0) })
        }
        return AppliedPageReport(pulled: page.records.count, conflicted: conflicted, checkpoint: checkpoint)
    }

    /// Whether the outbox holds nothing to push (read errors count as not empty: no round goes early).
    private func outboxIsEmpty() -> Bool {
        do {
            return try store.unansweredPush() == nil && store.pendingPush(limit: 1).isEmpty
        } catch {
            return false
        }
    }

    /// A round's answer; cancelling the caller cancels the round's request.
    private static func awaitRound(_ round: Task<Result<SyncResponse, ClientError>, Never>) async -> Result<SyncResponse, ClientError> {
        await withTaskCancellationHandler { await round.value } onCancel: { round.cancel() }
    }

    /// Runs blocking store work (a SQLite transaction, the store's decoding on every core) on a
    /// dispatch thread. A page is applied while the next round is in flight: on the cooperative pool it
    /// would hold one of its few threads for the whole apply, which the transport needs to receive the
    /// answer, and so does a server in the same process (the demo, tests), which then answers late.
    static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try body() }) }
        }
    }
}
