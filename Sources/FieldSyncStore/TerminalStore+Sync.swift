import FieldSyncCore
import Foundation
import GRDB

/// The sync engine's side of the store (FieldSyncClient builds its push and pull rounds on this).
///
/// A round: `pendingPush(limit:)` → send → `acknowledge(pushed:response:)`; then pull from `checkpoint`
/// and `apply(page:)` until `hasMore` is false; `correctClock(serverTime:)` with each response.
/// Every method commits in one transaction, so a crash mid-round either keeps or repeats whole steps,
/// and each step is idempotent (joins are, and acknowledgements only ever raise counters).
extension TerminalStore {
    // MARK: - Identity

    /// The enrolled identity, or nil before enrollment.
    /// - Throws: `.locked` (the credential is sealed).
    public var identity: StoreIdentity? {
        get throws {
            _ = try cipher
            return cachedIdentity.withLock { $0 }
        }
    }

    /// Stores what enrollment returned: identity (credential sealed), the first lease, the server's time.
    /// - Throws: `.alreadyEnrolled`: a store keeps its replica id for life; a re-enrolled terminal
    ///   starts from a new store, so no dot is ever issued twice under one replica id.
    public func saveEnrollment(_ response: EnrollResponse) throws {
        let identity = StoreIdentity(replica: response.replica, station: response.station, scopes: response.scopes,
                                     credential: response.credential, enrolledAt: now())
        try writing("saving the enrollment") { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM identity") == true {
                throw StoreError(.alreadyEnrolled, "this store is already enrolled; a replica id is never replaced")
            }
            let scopes = String(decoding: try JSONEncoder().encode(response.scopes), as: UTF8.self)
            try db.execute(sql: """
                INSERT INTO identity (singleton, replica, station, scopes, credential, enrolledAt) VALUES (1, ?, ?, ?, ?, ?)
                """, arguments: [response.replica.rawValue, response.station.rawValue, scopes,
                                 try cipher.seal(response.credential, context: "credential/\(response.replica)"),
                                 identity.enrolledAt])
            try insertLease(response.lease, db)
            var clock = try loadClock(db)
            clock.correct(serverWall: response.serverTime, now: now())
            try saveClock(clock, db)
        }
        cachedIdentity.withLock { $0 = identity }
    }

    static func fetchIdentity(cipher: FieldCipher) -> (Database) throws -> StoreIdentity? {
        { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM identity") else { return nil }
            let replica = ReplicaID(row["replica"] as String)
            return StoreIdentity(
                replica: replica, station: UnitID(row["station"] as String),
                scopes: try JSONDecoder().decode([UnitID].self, from: Data((row["scopes"] as String).utf8)),
                credential: try cipher.open(row["credential"], context: "credential/\(replica)"),
                enrolledAt: row["enrolledAt"])
        }
    }

    func enrolledReplica() throws -> ReplicaID {
        guard let replica = try identity?.replica else {
            throw StoreError(.notEnrolled, "the terminal is not enrolled")
        }
        return replica
    }

    // MARK: - Push

    /// States of records with unacknowledged local writes, oldest change first, at most `limit`.
    /// Push them as they are: each carries its whole causal context.
    public func pendingPush(limit: Int = 500) throws -> [RecordState] {
        let rows = try readingContent("reading the outbox") { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.recordColumns) FROM record WHERE localCounter > ackedCounter ORDER BY updatedAt, id LIMIT ?
                """, arguments: [limit]).map(RawRow.init)
        }
        // Opening is pure and most of the cost: on every core, in order.
        return try Self.parallelMap(rows.indices) { try open(rows[$0]).record.state }
    }

    /// The push batch sent and not yet answered, exactly as it was sent, or nil. Resend it as it is:
    /// under a new id, a copy of it still in the network could be admitted after the retry was refused
    /// and rolled back, bringing back writes this terminal abandoned.
    public func unansweredPush() throws -> PushRequest? {
        try readingContent("reading the unanswered push") { db -> PushRequest? in
            let rows = try Row.fetchAll(db, sql: "SELECT position, batchID, sealedState FROM unanswered_push ORDER BY position")
            guard let batchID = rows.first?["batchID"] as String? else { return nil }
            let cipher = try self.cipher
            if rows.count == 1, rows[0]["position"] == Self.wholeBatchPosition {
                let json = try cipher.openBlob(rows[0]["sealedState"], context: Self.unansweredContext(batchID, Self.wholeBatchPosition))
                do {
                    return try WireCoding.decode(PushRequest.self, from: json)
                } catch {
                    throw StoreError(.corrupted, "the unanswered push \(batchID) does not read back: \(error)")
                }
            }
            // Stores written before the whole-batch row: one row per state, sensitive values sealed inside.
            return PushRequest(batchID: batchID, records: try rows.map { row in
                let context = Self.unansweredContext(batchID, row["position"])
                let sealed = try StateJSON.decode(try cipher.openBlob(row["sealedState"], context: context))
                return try cipher.openingSensitive(sealed, schema: try schema(for: sealed.type))
            })
        }
    }

    /// Remembers `request` before it is sent; `acknowledge(pushed:response:)` forgets it with its answer.
    public func rememberPush(_ request: PushRequest) throws {
        try writing("remembering a push") { db in
            try db.execute(sql: "DELETE FROM unanswered_push")
            // The request's own bytes, sealed whole once: the state of each record is as confidential
            // at rest as in the record table, for one encoding and one seal per batch.
            let json = try WireCoding.encode(request)
            let blob = try cipher.sealBlob(json, context: Self.unansweredContext(request.batchID, Self.wholeBatchPosition))
            try db.execute(sql: "INSERT INTO unanswered_push (position, batchID, sealedState) VALUES (?, ?, ?)",
                           arguments: [Self.wholeBatchPosition, request.batchID, blob])
        }
    }

    static func unansweredContext(_ batchID: String, _ position: Int) -> String { "unanswered/\(batchID)/\(position)" }

    /// The position of the one row that holds a whole unanswered batch (earlier stores kept a row per state).
    static let wholeBatchPosition = -1

    /// How many records wait in the outbox.
    public func pendingPushCount() throws -> Int {
        try reading("counting the outbox") { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM record WHERE localCounter > ackedCounter") ?? 0
        }
    }

    /// Records the server's answers to a push of `pushed` (the states `pendingPush` returned).
    ///
    /// Accepted: our writes up to the pushed counter are acknowledged (later local writes stay pending).
    /// Rejected: the reason and the full local state go to `rejectedChanges()`; the record rolls back to
    /// the server's `current` state with our counter kept, so no dot is ever reused, or is removed when
    /// the server sent none. Either way it leaves the outbox.
    public func acknowledge(pushed: [RecordState], response: PushResponse) throws {
        let replica = try enrolledReplica()
        let byID = Dictionary(pushed.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        try writing("acknowledging a push") { db in
            try db.execute(sql: "DELETE FROM unanswered_push WHERE batchID = ?", arguments: [response.batchID])
            for result in response.results {
                guard let sent = byID[result.id] else {
                    throw StoreError(.invalidSyncInput, "the push response names \(result.id), which was not pushed")
                }
                switch result.outcome {
                case .accepted:
                    // Counters only: the state needs no opening (a record since removed is no row, no-op).
                    try db.cachedStatement(sql: """
                        UPDATE record SET ackedCounter = min(max(ackedCounter, ?), localCounter) WHERE id = ?
                        """).execute(arguments: [Int64(clamping: sent.context[replica]), result.id.rawValue])
                case .rejected(let rejection, let current):
                    guard let loaded = try fetchRecord(result.id, db) else { continue }
                    try insertRejected(loaded.record, rejection: rejection, current: current, db)
                    if var current, current.type == loaded.record.type, let schema = registry[current.type] {
                        current.context[replica] = max(current.context[replica], loaded.localCounter)
                        try storeRecord(current, schema: schema, replica: replica, acknowledged: loaded.localCounter, db)
                    } else {
                        try db.execute(sql: "DELETE FROM record WHERE id = ?", arguments: [result.id.rawValue])
                    }
                }
            }
        }
    }

    /// The contexts that bind a rejected change's sealed columns to its record.
    static func rejectedContext(_ recordID: String, _ column: String) -> String { "rejected/\(recordID)/\(column)" }

    private func insertRejected(_ record: StoredRecord, rejection: Rejection, current: RecordState?, _ db: Database) throws {
        let cipher = try self.cipher
        let id = record.id.rawValue
        let local = try cipher.sealBlob(StateJSON.encode(try cipher.sealingSensitive(record.state, schema: record.schema)),
                                        context: Self.rejectedContext(id, "localState"))
        let server = try current.flatMap { state in
            try registry[state.type].map {
                try cipher.sealBlob(StateJSON.encode(try cipher.sealingSensitive(state, schema: $0)),
                                    context: Self.rejectedContext(id, "serverState"))
            }
        }
        // The server's message and field names may quote what was refused: sealed too.
        try db.execute(sql: """
            INSERT INTO rejected_change (recordID, type, code, fields, message, localState, serverState, rejectedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, record.type.rawValue, rejection.code.rawValue,
                             try cipher.seal(rejection.fields.joined(separator: ","), context: Self.rejectedContext(id, "fields")),
                             try cipher.seal(rejection.message, context: Self.rejectedContext(id, "message")),
                             local, server, now()])
    }

    /// How many refused changes are kept (no key needed: works while locked).
    public func rejectedChangeCount() throws -> Int {
        try reading("counting rejected changes") { try Int.fetchOne($0, sql: "SELECT count(*) FROM rejected_change") ?? 0 }
    }

    /// Every change the server refused, newest first.
    public func rejectedChanges() throws -> [RejectedChange] {
        try readingContent("reading rejected changes") { db in
            let cipher = try self.cipher
            return try Row.fetchAll(db, sql: "SELECT * FROM rejected_change ORDER BY id DESC").map { row in
                let id: String = row["recordID"]
                func open(_ data: Data, _ column: String) throws -> RecordState {
                    let sealed = try StateJSON.decode(try cipher.openBlob(data, context: Self.rejectedContext(id, column)))
                    return try cipher.openingSensitive(sealed, schema: try schema(for: sealed.type))
                }
                let fields = try cipher.open(row["fields"], context: Self.rejectedContext(id, "fields"))
                    .split(separator: ",").map(String.init)
                let message = try cipher.open(row["message"], context: Self.rejectedContext(id, "message"))
                return RejectedChange(
                    id: row["id"], recordID: RecordID(id), type: RecordType(row["type"] as String),
                    rejection: Rejection(RejectionCode(rawValue: row["code"]), fields: fields, message: message),
                    localState: try open(row["localState"], "localState"),
                    serverState: try (row["serverState"] as Data?).map { try open($0, "serverState") },
                    rejectedAt: row["rejectedAt"])
            }
        }
    }

    /// Forgets the pull checkpoint, so that the next pull starts from the beginning. For a server that
    /// no longer knows the cursor (`invalidCursor`, e.g. restored from a backup): re-pulling everything
    /// is safe, because joining a state already held changes nothing.
    public func resetCheckpoint() throws {
        try writing("resetting the checkpoint") { db in
            try db.execute(sql: "DELETE FROM meta WHERE key = 'checkpoint'")
        }
    }

    // MARK: - Pull

    /// The cursor of the last applied page, or nil before the first pull.
    public var checkpoint: String? {
        get throws {
            try reading("reading the checkpoint") { db in
                try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'checkpoint'")
            }
        }
    }

    /// Joins every record of `page` into the local state and stores the page's cursor, in one
    /// transaction: after a crash either the whole page and its cursor are stored or neither is.
    ///
    /// Our own writes that the server's state already holds count as acknowledged. Records this code
    /// cannot store are skipped and reported, never half-stored.
    ///
    /// - Parameter accepted: states this terminal pushed in the round that brought the page and the
    ///   server accepted (acknowledged before the page is applied). A page's state equal to one of them
    ///   is the terminal's own write coming back: the local state holds it already (it only grew since
    ///   the push: a rejection's rollback is never among them), so the row is not read at all.
    @discardableResult
    public func apply(page: PullPage, accepted: [RecordState] = []) throws -> AppliedPage {
        let replica = try enrolledReplica()
        let echoes = Dictionary(accepted.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return try writing("applying a pulled page") { db in
            // Reads and writes stay on the writer's connection; the work between them (decode, open,
            // join, seal, encode: most of the cost) runs on every core.
            var applied = AppliedPage(cursor: page.cursor)
            let records = Self.uniqueRecords(page.records, skipping: &applied.skipped)
            for skipped in applied.skipped {
                // A repeat claiming another record type: hold the copies that were set aside.
                for copy in page.records where copy.id == skipped.id && copy.type == skipped.type {
                    try hold(copy, rejection: skipped.rejection, cursor: page.cursor, db)
                }
            }
            let isEcho = records.map { echoes[$0.id] == $0 }
            let stored = try fetchRawRows(records.indices.filter { !isEcho[$0] }.map { records[$0].id }, db)
            let rows = records.indices.map { isEcho[$0] ? nil : stored[records[$0].id.rawValue] }
            var latest = HLCTimestamp.zero
            // Rows are prepared (open, join, seal, encode) on background threads a chunk at a time while
            // this thread writes the chunks already prepared, in order.
            try Self.pipelined(records.indices, prepare: { index in
                isEcho[index] ? .unchanged(records[index].latestStamp)
                    : try self.pulledOutcome(records[index], local: rows[index], replica: replica)
            }) { index, outcome in
                let incoming = records[index]
                switch outcome {
                case .skipped(let rejection):
                    applied.skipped.append(.init(id: incoming.id, type: incoming.type, rejection: rejection))
                    try hold(incoming, rejection: rejection, cursor: page.cursor, db)
                case .unchanged(let stamp):
                    latest = max(latest, stamp)
                    applied.unchanged += 1
                case .store(let row, let isNew, let wasConflicted, let stamp):
                    latest = max(latest, stamp)
                    try write(row, db)
                    if isNew { applied.inserted.append(incoming.id) } else { applied.updated.append(incoming.id) }
                    if row.record.conflicted && !wasConflicted { applied.becameConflicted.append(incoming.id) }
                }
            }
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('checkpoint', ?)", arguments: [page.cursor])
            if latest > .zero {
                var clock = try loadClock(db)
                clock.observe(latest, now: now())
                try saveClock(clock, db)
            }
            return applied
        }
    }

    /// The page's states with repeated records joined into one, in first-seen order: every state is
    /// read against the local rows as they were before the page, so a repeat must not overwrite the
    /// first. A repeat claiming another record type is skipped.
    static func uniqueRecords(_ records: [RecordState], skipping skipped: inout [AppliedPage.SkippedRecord]) -> [RecordState] {
        var unique: [RecordState] = []
        var position: [RecordID: Int] = [:]
        unique.reserveCapacity(records.count)
        for record in records {
            guard let index = position[record.id] else {
                position[record.id] = unique.count
                unique.append(record)
                continue
            }
            if unique[index].type == record.type {
                unique[index] = unique[index].joined(with: record)
            } else {
                skipped.append(.init(id: record.id, type: record.type, rejection: Rejection(
                    .malformedState, message: "record \(record.id) appears in the page as \(unique[index].type) and \(record.type)")))
            }
        }
        return unique
    }

    enum PulledOutcome: Sendable {
        case skipped(Rejection)
        case unchanged(HLCTimestamp)
        case store(PreparedRow, isNew: Bool, wasConflicted: Bool, HLCTimestamp)
    }

    /// What one pulled state does to the local one (pure: runs in parallel).
    func pulledOutcome(_ incoming: RecordState, local raw: RawRow?, replica: ReplicaID) throws -> PulledOutcome {
        let schema: RecordSchema
        switch registry.schema(for: incoming) {
        case .success(let found): schema = found
        case .failure(let rejection): return .skipped(rejection)
        }
        if let problem = schema.wellFormednessProblem(of: incoming) { return .skipped(problem) }
        let stamp = incoming.latestStamp
        let local = try raw.map(openState)?.state
        if let local, local.type != incoming.type {
            return .skipped(Rejection(.malformedState, message: "record \(incoming.id) is held as a \(local.type)"))
        }
        // One dot, one write: a pulled state that disagrees (a reused replica id, a server fault) is held,
        // never joined, or the two sides would diverge for good.
        if let local, let disagreement = schema.disagreement(between: local, and: incoming) {
            return .skipped(disagreement)
        }
        let joined = local.map { $0.joined(with: incoming) } ?? incoming
        let acked = max(raw?.ackedCounter ?? 0, incoming.context[replica])
        if let local, let raw, joined == local, acked == raw.ackedCounter { return .unchanged(stamp) }
        let row = try prepareRow(joined, schema: schema, replica: replica, acknowledged: acked)
        return .store(row, isNew: raw == nil, wasConflicted: raw?.conflicted ?? false, stamp)
    }

    /// `prepare` over `indices` on background threads, a chunk at a time, each result handed to `consume`
    /// on this thread in index order as soon as its chunk is ready: the caller (the writer) consumes one
    /// chunk while the next ones are prepared, so its serial work overlaps theirs. Chunks are claimed in
    /// order; when the next chunk to consume is claimed by nobody yet, this thread prepares it itself, so
    /// it only ever waits for a chunk a running thread is preparing (no deadlock when every pool thread
    /// is busy or blocked). Small inputs stay on this thread. Chunks still being prepared when `consume`
    /// throws finish and are dropped.
    static func pipelined<T: Sendable>(_ indices: Range<Int>, chunk: Int = 256, prepare: @escaping @Sendable (Int) throws -> T,
                                       consume: (Int, T) throws -> Void) throws {
        guard indices.count > chunk, ProcessInfo.processInfo.activeProcessorCount > 1 else {
            for index in indices { try consume(index, try prepare(index)) }
            return
        }
        let starts = Array(stride(from: indices.lowerBound, to: indices.upperBound, by: chunk))
        let chunks = PreparedChunks<T>(count: starts.count)
        defer { chunks.stop() }
        @Sendable func run(_ number: Int) -> [Result<T, any Error>] {
            let start = starts[number]
            return (start..<min(start + chunk, indices.upperBound)).map { index in Result { try prepare(index) } }
        }
        for _ in 0..<ProcessInfo.processInfo.activeProcessorCount {
            DispatchQueue.global(qos: .userInitiated).async {
                while let number = chunks.claimNext() { chunks.put(number, run(number)) }
            }
        }
        for (number, start) in starts.enumerated() {
            let results = chunks.claim(number) ? run(number) : chunks.take(number)
            for (offset, result) in results.enumerated() { try consume(start + offset, try result.get()) }
        }
    }

    /// `transform` over `indices` on every core, results in order; small inputs stay on this thread.
    static func parallelMap<T: Sendable>(_ indices: Range<Int>, _ transform: (Int) throws -> T) throws -> [T] {
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, max(1, indices.count / 64))
        guard workers > 1 else { return try indices.map(transform) }
        var results = [Result<T, any Error>?](repeating: nil, count: indices.count)
        results.withUnsafeMutableBufferPointer { buffer in
            // Each worker writes only its own slice of the buffer.
            nonisolated(unsafe) let buffer = buffer
            withoutActuallyEscaping(transform) { transform in
                nonisolated(unsafe) let transform = transform
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let chunk = (indices.count + workers - 1) / workers
                    let start = worker * chunk, end = min(indices.count, start + chunk)
                    guard start < end else { return }
                    for offset in start..<end {
                        buffer[offset] = Result { try transform(indices.lowerBound + offset) }
                    }
                }
            }
        }
        return try results.map { try $0!.get() }
    }
}

/// The chunks of `TerminalStore.pipelined`: claimed in order, each prepared once (by a background thread
/// or the consumer) and taken once by the consumer.
private final class PreparedChunks<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var nextUnclaimed = 0
    private var results: [[Result<T, any Error>]?]
    private let ready: [DispatchSemaphore]

    init(count: Int) {
        results = Array(repeating: nil, count: count)
        ready = (0..<count).map { _ in DispatchSemaphore(value: 0) }
    }

    /// The next chunk nobody has claimed, claimed for the caller; nil when none is left.
    func claimNext() -> Int? {
        lock.withLock {
            guard nextUnclaimed < results.count else { return nil }
            defer { nextUnclaimed += 1 }
            return nextUnclaimed
        }
    }

    /// Claims chunk `number` for the consumer if nobody has claimed it yet (every chunk before it is taken).
    func claim(_ number: Int) -> Bool {
        lock.withLock {
            guard nextUnclaimed == number else { return false }
            nextUnclaimed += 1
            return true
        }
    }

    /// No chunk is claimed any more (the consumer is done or gave up).
    func stop() { lock.withLock { nextUnclaimed = results.count } }

    func put(_ number: Int, _ values: [Result<T, any Error>]) {
        lock.withLock { results[number] = values }
        ready[number].signal()
    }

    /// Chunk `number`, claimed by a running thread: waits until it is put.
    func take(_ number: Int) -> [Result<T, any Error>] {
        ready[number].wait()
        return lock.withLock {
            defer { results[number] = nil }
            return results[number]!
        }
    }
}
