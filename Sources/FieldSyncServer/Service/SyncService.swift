import Crypto
import FieldSyncCore
import Foundation
import Synchronization

/// The server's protocol logic without a transport: enrollment, authentication, push, pull, sync
/// rounds, leases and administration over a `SyncStorage`. Time and randomness are injected so that
/// tests are deterministic; the HTTP router is a thin layer over this type.
public final class SyncService: Sendable {
    /// The service's limits and policies, set from ServerConfig (`ServerConfig.service`); the defaults are
    /// those of `fieldsync server` with no configuration.
    public struct Settings: Hashable, Sendable {
        /// Most records in one push batch (`payloadTooLarge` beyond).
        public var maxBatchRecords = 1_000
        /// Most records in one pull page, whatever the terminal asks for.
        public var pullPageCap = 10_000
        /// Most bytes of record states in one pull page, whatever the terminal asks for (a page always
        /// holds at least one record): what bounds a page's memory on both sides.
        public var pullPageBytes = 4 * 1_024 * 1_024
        /// How far (ms) a write's stamp may run ahead of the server clock before `clockSkew`.
        public var clockSkewTolerance: Int64 = 10 * 60 * 1_000
        /// Receipt numbers per leased block.
        public var leaseSize: Int64 = 1_000
        /// How long (ms) an enrollment token stays valid.
        public var enrollmentTokenLifetime: Int64 = 24 * 60 * 60 * 1_000
        /// The administrator token's verifier (`AdminToken.verifier`, `fsa1-sha256:<hex>`); nil disables
        /// the admin endpoints.
        public var adminTokenHash: String?
        /// The replica under which this node writes administrators' conflict resolutions. Terminals' ids
        /// start with `t-`, so they never collide; each server node of a multi-node deployment needs its own.
        public var adminReplica = ReplicaID("server-admin")
        /// Per-device request rate; nil does not limit.
        public var rateLimit: RateLimiter.Policy? = RateLimiter.Policy(requestsPerSecond: 50, burst: 100)
        /// Per peer address: enrollment and administrator requests, and failed device authentications.
        /// Guessing tokens is limited to this pace; nil does not limit.
        public var unauthenticatedRateLimit: RateLimiter.Policy? = RateLimiter.Policy(requestsPerSecond: 5, burst: 20)
        /// Bytes of record JSON one device may push: per second, sustained, and in one burst (issue 14:
        /// one device grew a database by 486 MiB in 16 s within its request rate). nil does not limit.
        public var pushByteBudget: RateLimiter.Policy? = RateLimiter.Policy(requestsPerSecond: 512 * 1_024, burst: 64 * 1_024 * 1_024)
        /// Writes stamped before this (ms since 1970) are refused as `clockSkew`: 2020-01-01T00:00Z by default.
        public var deploymentEpoch: Int64 = defaultDeploymentEpoch
        /// 2020-01-01T00:00Z (ms since 1970): no FieldSync terminal wrote before it.
        public static let defaultDeploymentEpoch: Int64 = 1_577_836_800_000
        /// Compressed bytes of pull ranges kept for other terminals of the same scopes (`PageRangeCache`);
        /// 0 reads every page from storage.
        public var pageCacheBytes = 64 * 1_024 * 1_024
        /// How long (ms) a cached pull range may be served after it was read: how long a retention purge
        /// made on another node can still be served by this one. 0 reads every page from storage.
        public var pageCacheLifetime: Int64 = 60 * 1_000
        /// A device counts as active for this long (ms) after its last request.
        public var activeWindow: Int64 = 15 * 60 * 1_000
        /// Device requests (push, pull, sync) worked on at once; the others wait in line (`WorkGate`),
        /// which bounds the memory a reconnect storm costs.
        public var concurrentDeviceRequests = 64
        /// `fieldsync_cases_overdue` is recounted from storage at most this often (ms), on a `/metrics` scrape.
        public var overdueMetricInterval: Int64 = 15 * 1_000

        /// The defaults.
        public init() {}
    }

    /// Where every step is stored; each step is one storage transaction.
    public let storage: any SyncStorage
    /// The record types this server accepts; a pushed record of another type is `unknownRecordType`.
    public let registry: SchemaRegistry
    /// The limits this service applies.
    public let settings: Settings
    /// The Prometheus metrics this service updates (`/metrics`).
    public let metrics: ServerMetrics
    /// Milliseconds since 1970.
    let clock: @Sendable () -> Int64
    let randomBytes: @Sendable (Int) -> [UInt8]
    let rateLimiter: RateLimiter
    let attemptLimiter: RateLimiter
    let byteBudget: RateLimiter
    /// Devices with a push being applied: one at a time each, so that one device cannot queue batch
    /// after batch in front of every other station's (the write transactions are serial).
    let pushing = Mutex<Set<ReplicaID>>([])
    /// Pull ranges already read and deflated, per scope set.
    let pageRanges: PageRangeCache
    /// The line device requests wait in (`Settings.concurrentDeviceRequests`).
    public let deviceRequests: WorkGate

    /// A service over a prepared `storage`.
    /// - Parameters:
    ///   - clock: the wall clock (ms since 1970); tests inject a `TestClock`.
    ///   - randomBytes: the source of credentials, replica ids and tokens; it must be cryptographically secure
    ///     outside tests.
    public init(storage: any SyncStorage, registry: SchemaRegistry = .standard, settings: Settings = Settings(),
                metrics: ServerMetrics = ServerMetrics(),
                clock: @escaping @Sendable () -> Int64 = SyncService.systemClock,
                randomBytes: @escaping @Sendable (Int) -> [UInt8] = SyncService.systemRandomBytes) {
        self.storage = storage
        self.registry = registry
        self.settings = settings
        self.metrics = metrics
        self.clock = clock
        self.randomBytes = randomBytes
        self.rateLimiter = RateLimiter(policy: settings.rateLimit)
        self.attemptLimiter = RateLimiter(policy: settings.unauthenticatedRateLimit)
        self.byteBudget = RateLimiter(policy: settings.pushByteBudget)
        self.pageRanges = PageRangeCache(capacityBytes: settings.pageCacheBytes, lifetime: settings.pageCacheLifetime)
        self.deviceRequests = WorkGate(limit: settings.concurrentDeviceRequests)
    }

    /// The system wall clock, in ms since 1970.
    public static let systemClock: @Sendable () -> Int64 = { WallClock.milliseconds(Date()) }

    /// Cryptographically secure random bytes from the system generator.
    public static let systemRandomBytes: @Sendable (Int) -> [UInt8] = { count in
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// The service's clock now (ms since 1970).
    public var now: Int64 { clock() }

    // MARK: Enrollment and authentication

    /// Spends a one-time enrollment token: registers a new device of the token's station with a fresh
    /// credential and replica id, leases it its first receipt numbers and audits it, in one transaction.
    /// - Throws: `invalidToken` for an unknown, used or expired token; `malformedRequest` for a device
    ///   name that is empty, longer than 200 bytes or holds control characters.
    public func enroll(_ request: EnrollRequest) async throws -> EnrollResponse {
        let name = request.deviceName.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.utf8.count <= 200 else {
            throw ServerError(.malformedRequest, "deviceName must be 1-200 bytes")
        }
        if let problem = FreeText.problem(in: name) { throw ServerError(.malformedRequest, "deviceName \(problem)") }
        let replica = ReplicaID("t-" + DeviceCredential.hex(randomBytes(10)))
        let secret = randomBytes(DeviceCredential.secretByteCount)
        let credential = DeviceCredential.make(replica: replica, secret: secret)
        let registration = DeviceRegistration(replica: replica, name: name,
                                              credentialHash: DeviceCredential.hash(DeviceCredential.base64URL(secret)))
        let now = self.now
        let enrollment = try await guarded {
            try await storage.enroll(tokenHash: DeviceCredential.hashHex(request.token), registration: registration,
                                     leaseSize: settings.leaseSize, now: now)
        }
        return EnrollResponse(replica: replica, credential: credential, station: enrollment.device.station,
                              scopes: enrollment.device.scopes, lease: enrollment.lease, serverTime: now,
                              auditPublicKey: storage.auditSigner?.publicKey)
    }

    /// The device behind a bearer credential. Revocation is checked on every request, so it takes
    /// effect at the device's next request; the answer tells the terminal to wipe its store.
    public func authenticate(credential: String?) async throws -> Device {
        guard let credential, let (replica, secret) = DeviceCredential.parse(credential) else {
            throw ServerError(.unauthenticated, "a device credential is required: Authorization: Bearer <credential>")
        }
        guard let stored = try await guarded({ try await storage.device(replica) }),
              DeviceCredential.matches(secret, storedHash: stored.credentialHash) else {
            throw ServerError(.unauthenticated, "the device credential is not valid")
        }
        guard !stored.device.isRevoked else {
            throw ServerError.revoked(replica: replica, credentialHash: stored.credentialHash)
        }
        let now = self.now
        if let wait = rateLimiter.admit(replica, now: now) {
            throw ServerError(.rateLimited, "too many requests from this device", retryAfterSeconds: wait)
        }
        metrics.activeTerminals.record(rateLimiter.activeCount(since: now - settings.activeWindow))
        return stored.device
    }

    /// Charges one unauthenticated attempt (an enrollment, an administrator request, a failed device
    /// authentication) to the peer `address`; `rateLimited` once its budget is spent.
    public func admitAttempt(from address: String) throws {
        if let wait = attemptLimiter.admit(key: "addr:" + address, now: now) {
            metrics.attemptsLimited.increment()
            throw ServerError(.rateLimited, "too many unauthenticated attempts from this address", retryAfterSeconds: wait)
        }
    }

    /// `authenticate`, with a failed attempt charged to `address` (a valid device is never limited here).
    public func authenticate(credential: String?, from address: String) async throws -> Device {
        do {
            return try await authenticate(credential: credential)
        } catch let error as ServerError where error.code == .unauthenticated {
            try admitAttempt(from: address)
            throw error
        }
    }

    // MARK: Push, pull, sync, lease

    /// Applies a batch from `device` atomically: every record is accepted (with its change sequence) or
    /// rejected with a typed reason and quarantined; nothing is stored partly. A batch id already applied
    /// returns the stored answers (a replay), or `batchConflict` when its content differs.
    /// - Throws: `malformedRequest` (empty or long batch id, a record named twice), `payloadTooLarge` (more
    ///   than `maxBatchRecords`), `rateLimited` (a push of this device in flight, or its byte budget spent),
    ///   `revoked` (revoked while the batch was in flight), `unavailable` (storage failure: nothing stored).
    public func push(_ request: PushRequest, from device: Device) async throws -> PushResponse {
        let pending = try preparePush(request, from: device)
        let batch = pending.batch
        // Fair admission (an administrator's resolutions, written as this node's replica, are exempt).
        let isDevice = device.replica != settings.adminReplica
        guard !isDevice || pushing.withLock({ $0.insert(device.replica).inserted }) else {
            throw ServerError(.rateLimited, "this device already has a push being applied; send the next when it is answered",
                              retryAfterSeconds: 1)
        }
        defer { if isDevice { _ = pushing.withLock { $0.remove(device.replica) } } }
        if isDevice, let wait = byteBudget.admit(key: device.replica.rawValue, now: batch.receivedAt,
                                                 cost: Double(batch.encoded.reduce(0) { $0 + $1.json.count })) {
            throw ServerError(.rateLimited, "this device has pushed more than its byte budget; retry later", retryAfterSeconds: wait)
        }
        let applied = try await guarded { try await storage.applyPush(batch, admit: pending.admit) }
        if applied.replayed {
            metrics.batchesReplayed.increment()
        } else {
            metrics.batchesApplied.increment()
            metrics.record(applied.counts)
        }
        return PushResponse(batchID: request.batchID, results: applied.results, serverTime: batch.receivedAt)
    }

    /// The batch a push request makes, as the storage applies it, with the admission rule its records
    /// are decided by: the request's shape checked, its records encoded and fingerprinted (outside any
    /// transaction). What `push` hands the storage; tests of group commit build groups from it.
    /// - Throws: `malformedRequest` (empty or long batch id, a record named twice), `payloadTooLarge`.
    package func preparePush(_ request: PushRequest, from device: Device) throws -> PendingPush {
        guard !request.batchID.isEmpty, request.batchID.utf8.count <= 128 else {
            throw ServerError(.malformedRequest, "batchID must be 1-128 bytes")
        }
        guard Set(request.records.map(\.id)).count == request.records.count else {
            throw ServerError(.malformedRequest, "a batch names each record at most once")
        }
        guard request.records.count <= settings.maxBatchRecords else {
            throw ServerError(.payloadTooLarge, "a batch holds at most \(settings.maxBatchRecords) records; this one has \(request.records.count)")
        }
        let now = self.now
        let encoded = request.records.map { record in
            let json = RecordStateJSON.encode(record)
            return EncodedRecord(json: json, sha256: AuditChain.hex(SHA256.hash(data: json)))
        }
        let batch = PushBatch(replica: device.replica, batchID: request.batchID, fingerprint: Self.fingerprint(encoded),
                              records: request.records, encoded: encoded, receivedAt: now, registry: registry)
        var admission = PushAdmission(registry: registry, device: device, latestAllowedWall: now + settings.clockSkewTolerance)
        admission.earliestAllowedWall = settings.deploymentEpoch
        admission = admission.presumingNew(request.records)
        return PendingPush(batch: batch, admit: admission.decide)
    }

    /// A pull page for `device`: the cached ranges that start at the cursor and fit the budget
    /// (`PageRangeCache`), then the changes after them read from storage, which become a range for the
    /// next terminal of the same scopes. Byte for byte what a read from storage alone would answer, but
    /// for records that changed after a cached range was read: those also come again, newer, after it.
    /// - Parameter gzip: the answer will be sent gzip'd. The cache keeps deflated ranges, so a page for an
    ///   answer sent plain is read from storage and not cached (deflating it would only cost).
    /// - Throws: `invalidCursor` for a cursor this server did not issue; `unavailable` when storage fails.
    public func pullEncoded(_ request: PullRequest, for device: Device, gzip: Bool = true) async throws -> EncodedPage {
        let cursor = try Self.cursor(request.cursor)
        let limit = min(max(request.limit, 1), settings.pullPageCap)
        let maxBytes = min(max(request.maxBytes ?? settings.pullPageBytes, 1), settings.pullPageBytes)
        let readAt = now
        let key = PageRangeCache.key(device.scopes)
        let chain = device.scopes.isEmpty || !gzip ? PageRangeCache.Chain()
            : pageRanges.chain(scopes: key, from: cursor, limit: limit, maxBytes: maxBytes, now: readAt)
        metrics.pageCacheRecords.increment(by: chain.count)
        let position = chain.through ?? cursor
        // A page the cache filled (its next range would not fit, or nothing fits after it): more may
        // follow, and the terminal asks again from the page's cursor.
        if !chain.ranges.isEmpty, chain.budgetSpent || chain.count >= limit || chain.stateBytes >= maxBytes {
            return served(EncodedPage(ranges: chain.ranges, cursor: position, hasMore: true))
        }
        let tail = try await guarded {
            try await storage.pullPage(after: position, scopes: device.scopes, limit: limit - chain.count,
                                       maxBytes: maxBytes - chain.stateBytes)
        }
        guard cursor <= tail.head, position <= tail.head else {
            // Cached ranges reaching past the head name changes this storage never made (a database
            // restored under a running node): none of them is served again.
            if position > tail.head { pageRanges.removeAll() }
            throw ServerError(.invalidCursor, "cursor \(position) lies beyond this server's changes (\(tail.head)): pull from the beginning")
        }
        metrics.pullLag.record(tail.head - min(tail.head, tail.cursor))
        var page = EncodedPage(ranges: chain.ranges, cursor: position, hasMore: true)
        if !tail.states.isEmpty {
            let level = !gzip ? nil : pageRanges.isEnabled ? DeflatedPiece.defaultLevel : DeflatedPiece.fastLevel
            let range = PageRange(page: tail, after: position, readAt: readAt, level: level)
            pageRanges.insert(range, scopes: key, generation: chain.generation)
            // A storage page always holds one record, even one larger than what is left of the budget.
            guard chain.ranges.isEmpty || range.stateBytes <= maxBytes - chain.stateBytes else { return served(page) }
            page.ranges.append(range)
        }
        page.cursor = tail.cursor
        page.hasMore = tail.hasMore
        // The last page of a pull hands the terminal the latest signed audit head to keep (SPEC §8.7): one
        // primary-key read per pull, not per page.
        if !page.hasMore, storage.auditSigner != nil {
            page.auditCheckpoint = try await guarded { try await storage.latestCheckpoint() }
        }
        return served(page)
    }

    private func served(_ page: EncodedPage) -> EncodedPage {
        metrics.pulledRecords.increment(by: page.count)
        return page
    }

    /// `pullEncoded`, with the states decoded.
    public func pull(_ request: PullRequest, for device: Device) async throws -> PullPage {
        try await pullEncoded(request, for: device).decoded(serverTime: now)
    }

    /// Push then pull, so that the page includes the device's own accepted changes; the page as stored JSON
    /// (`gzip`: as for `pullEncoded`).
    public func syncStored(_ request: SyncRequest, from device: Device, gzip: Bool = true) async throws -> StoredSyncResponse {
        var push: PushResponse?
        if let request = request.push { push = try await self.push(request, from: device) }
        var pull: EncodedPage?
        if let request = request.pull { pull = try await pullEncoded(request, for: device, gzip: gzip) }
        return StoredSyncResponse(push: push, pull: pull, serverTime: now)
    }

    /// `syncStored`, decoded.
    public func sync(_ request: SyncRequest, from device: Device) async throws -> SyncResponse {
        let stored = try await syncStored(request, from: device)
        return SyncResponse(push: stored.push, pull: try stored.pull.map { try $0.decoded(serverTime: stored.serverTime) },
                            serverTime: stored.serverTime)
    }

    /// Leases `device` the next free block of `leaseSize` receipt numbers under its station's prefix.
    public func lease(for device: Device) async throws -> LeaseResponse {
        let now = self.now
        let lease = try await guarded { try await storage.allocateLease(for: device, size: settings.leaseSize, now: now) }
        return LeaseResponse(lease: lease, serverTime: now)
    }

    // MARK: Helpers

    /// Free text that goes into the audit chain and onto administrators' screens carries no control
    /// characters (`FreeText`).
    static func refuseControlCharacters(_ text: String, in field: String) throws {
        if let problem = FreeText.problem(in: text) { throw ServerError(.malformedRequest, "\(field) \(problem)") }
    }

    /// A pull cursor from the wire: the decimal text of a sequence this server could have issued.
    /// Sequences are SQLite and PostgreSQL `INTEGER`s, so anything above `Int64.max` (or any other text)
    /// is `invalidCursor`, never a trap further down.
    static func cursor(_ text: String?) throws -> UInt64 {
        guard let text else { return 0 }
        let shown = text.utf8.count > 40 ? String(text.prefix(40)) + "…" : text
        guard text.utf8.count <= 20, let value = UInt64(text), value <= UInt64(Int64.max) else {
            throw ServerError(.invalidCursor, "cursor '\(shown)' was not issued by this server")
        }
        return value
    }

    /// Storage failures that are not protocol outcomes become `unavailable` (retry later).
    func guarded<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError.unavailable(error)
        }
    }

    /// What a replay must repeat: every record state, values included, in order. The digests are of
    /// each state's canonical JSON (`RecordStateJSON`, keys sorted), so two pushes of the same batch
    /// match whatever the key order of their bodies, and a reused batch id with any other content is a
    /// `batchConflict` rather than a replay that would acknowledge writes never stored.
    static func fingerprint(_ encoded: [EncodedRecord]) -> String {
        var hasher = SHA256()
        for record in encoded { hasher.update(data: Array((record.sha256 + "\n").utf8)) }
        return AuditChain.hex(hasher.finalize())
    }
}
