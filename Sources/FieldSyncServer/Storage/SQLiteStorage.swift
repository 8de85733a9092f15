import FieldSyncCore
import Foundation
import GRDB

/// The embedded storage backend: one SQLite file in WAL mode through a GRDB `DatabasePool`.
/// SQLite has one writer at a time, so the change sequence assigned inside a write transaction is also
/// the commit order: a pull cursor can never pass a change that commits later with a smaller sequence.
public final class SQLiteStorage: SyncStorage {
    public let path: String
    let pool: DatabasePool
    /// Signs the audit head at the end of every transaction that appends to the chain; nil signs nothing.
    public let auditSigner: AuditSigner?
    let signedHead = SignedHeadMemory()
    /// Push batches that arrive together share one write transaction (`PushGroupCommit`).
    let pushGroups = PushGroupCommit()

    /// The default page cache of the writer connection, in MiB (see `init`): SQLite's own default. A
    /// 64 MiB cache did not change the cost of scattered edits on a store of 10^6 records (BENCHMARKS.md,
    /// "Growth"), and would count against the server's memory.
    public static let defaultWriterCacheMegabytes = 2

    /// `writerCacheMegabytes` sizes the page cache of the one writer connection (readers keep SQLite's
    /// 2 MB default each): every push probes the records, receipt-number, unit and scope B-trees, and
    /// once the store outgrows the cache those probes become page copies from the OS cache.
    public init(path: String, writerCacheMegabytes: Int = SQLiteStorage.defaultWriterCacheMegabytes,
                auditSigner: AuditSigner? = nil) throws {
        self.path = path
        self.auditSigner = auditSigner
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL with synchronous=NORMAL survives a process crash without loss; a power cut can lose
            // the last transactions but never corrupts, and terminals re-push what was not acknowledged.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA cache_size = \(-1024 * max(2, writerCacheMegabytes))")
            }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
    }

    public func prepare() async throws {
        try Self.migrator.migrate(pool)
    }

    // MARK: Devices and enrollment

    public func createEnrollmentToken(_ token: EnrollmentToken, audit: AuditDraft) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO enrollment_tokens (token_hash, station, created_at, expires_at) VALUES (?, ?, ?, ?)
                """, arguments: [token.tokenHash, token.station.rawValue, token.createdAt, token.expiresAt])
            var chain = try AuditAppender(db, signer: auditSigner, memory: signedHead)
            try chain.append(audit)
            try chain.seal()
        }
    }

    public func enroll(tokenHash: String, registration: DeviceRegistration, leaseSize: Int64, now: Int64) async throws -> Enrollment {
        try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT station, expires_at, used_at FROM enrollment_tokens WHERE token_hash = ?
                """, arguments: [tokenHash]) else {
                throw ServerError(.invalidToken, "the enrollment token is not known")
            }
            guard (row["used_at"] as Int64?) == nil else { throw ServerError(.invalidToken, "the enrollment token was already used") }
            guard now < row["expires_at"] as Int64 else { throw ServerError(.invalidToken, "the enrollment token has expired") }
            let station = UnitID(row["station"] as String)
            try db.execute(sql: "UPDATE enrollment_tokens SET used_at = ?, used_by = ? WHERE token_hash = ?",
                           arguments: [now, registration.replica.rawValue, tokenHash])
            let device = Device(replica: registration.replica, name: registration.name, station: station, enrolledAt: now)
            try db.execute(sql: """
                INSERT INTO devices (replica, name, station, credential_hash, enrolled_at) VALUES (?, ?, ?, ?, ?)
                """, arguments: [device.replica.rawValue, device.name, station.rawValue, Data(registration.credentialHash), now])
            let lease = try Self.allocateLease(db, device: device, size: leaseSize, now: now)
            var chain = try AuditAppender(db, signer: auditSigner, memory: signedHead)
            try chain.append(AuditDraft.enrollment(of: device, tokenHash: tokenHash, lease: lease, at: now))
            try chain.seal()
            return Enrollment(device: device, lease: lease)
        }
    }

    public func device(_ replica: ReplicaID) async throws -> StoredDevice? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM devices WHERE replica = ?", arguments: [replica.rawValue]).map {
                StoredDevice(device: Self.device(from: $0), credentialHash: [UInt8]($0["credential_hash"] as Data))
            }
        }
    }

    public func devices() async throws -> [Device] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM devices ORDER BY enrolled_at, replica").map(Self.device(from:))
        }
    }

    public func revoke(_ replica: ReplicaID, now: Int64, audit: AuditDraft) async throws -> Device {
        try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM devices WHERE replica = ?", arguments: [replica.rawValue]) else {
                throw ServerError(.notFound, "no device \(replica)")
            }
            var device = Self.device(from: row)
            guard device.revokedAt == nil else { return device }
            try db.execute(sql: "UPDATE devices SET revoked_at = ? WHERE replica = ?", arguments: [now, replica.rawValue])
            device.revokedAt = now
            var chain = try AuditAppender(db, signer: auditSigner, memory: signedHead)
            try chain.append(audit)
            try chain.seal()
            return device
        }
    }

    static func device(from row: Row) -> Device {
        let station = UnitID(row["station"] as String)
        return Device(replica: ReplicaID(row["replica"] as String), name: row["name"], station: station,
                      enrolledAt: row["enrolled_at"], revokedAt: row["revoked_at"])
    }

    // MARK: Leases

    public func allocateLease(for device: Device, size: Int64, now: Int64) async throws -> ReceiptLease {
        try await pool.write { db in try Self.allocateLease(db, device: device, size: size, now: now) }
    }

    public func leases() async throws -> [LeaseGrant] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM leases ORDER BY id").map { row in
                LeaseGrant(replica: ReplicaID(row["replica"] as String),
                           lease: ReceiptLease(prefix: row["prefix"], first: row["first"], last: row["last"]),
                           grantedAt: row["granted_at"])
            }
        }
    }

    /// Blocks under one prefix never overlap: the next block starts after the highest one granted.
    static func allocateLease(_ db: Database, device: Device, size: Int64, now: Int64) throws -> ReceiptLease {
        let prefix = device.station.rawValue
        let highest = try Int64.fetchOne(db, sql: "SELECT MAX(last) FROM leases WHERE prefix = ?", arguments: [prefix]) ?? 0
        let lease = ReceiptLease(prefix: prefix, first: highest + 1, last: highest + max(1, size))
        try db.execute(sql: "INSERT INTO leases (replica, prefix, first, last, granted_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [device.replica.rawValue, prefix, lease.first, lease.last, now])
        return lease
    }

    // MARK: Audit chain

    public func appendAudit(_ draft: AuditDraft) async throws -> AuditEntry {
        try await pool.write { db in
            var chain = try AuditAppender(db, signer: auditSigner, memory: signedHead)
            let entry = try chain.append(draft)
            try chain.seal()
            return entry
        }
    }

    public func auditEntries(after sequence: UInt64, limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                             arguments: [Int64(sequence), limit]).map { row in
                let draft = AuditDraft(kind: AuditDraft.Kind(rawValue: row["kind"]) ?? .change, at: row["at"],
                                       actor: row["actor"], replica: row["replica"], subject: row["subject"],
                                       detail: row["detail"])
                return AuditEntry(sequence: UInt64(row["seq"] as Int64), draft: draft,
                                  previousHash: row["previous_hash"], hash: row["hash"])
            }
        }
    }
}

/// Appends audit entries inside one write transaction, keeping the chain's head in memory between them.
/// `seal()` ends the transaction's part of the chain: it signs the new head (when a signer is configured).
struct AuditAppender {
    private let db: Database
    private let signer: AuditSigner?
    private let memory: SignedHeadMemory
    private var sequence: UInt64
    private var head: String
    private let startSequence: UInt64
    private let startHead: String
    private var lastAt: Int64 = 0

    init(_ db: Database, signer: AuditSigner?, memory: SignedHeadMemory) throws {
        self.db = db
        self.signer = signer
        self.memory = memory
        if let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1") {
            sequence = UInt64(row["seq"] as Int64)
            head = row["hash"]
        } else {
            sequence = 0
            head = AuditChain.genesisHash
        }
        startSequence = sequence
        startHead = head
    }

    @discardableResult
    mutating func append(_ draft: AuditDraft) throws -> AuditEntry {
        let entry = AuditChain.link(draft, sequence: sequence + 1, previousHash: head)
        let statement = try db.cachedStatement(sql: """
            INSERT INTO audit (seq, kind, at, actor, replica, subject, detail, previous_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [Int64(entry.sequence), draft.kind.rawValue, draft.at, draft.actor, draft.replica,
                                          draft.subject, draft.detail, entry.previousHash, entry.hash])
        sequence = entry.sequence
        head = entry.hash
        lastAt = draft.at
        return entry
    }

    /// Signs and stores the checkpoint of the head, if this transaction appended anything and the chain
    /// still extends the last head this storage signed (`SignedHeadMemory`).
    func seal() throws {
        guard let signer, sequence > startSequence else { return }
        let found: String?
        let known = memory.committed
        switch known {
        case nil: found = nil
        case let known? where known.sequence == startSequence: found = startHead
        case let known? where known.sequence < startSequence:
            found = try String.fetchOne(db, sql: "SELECT hash FROM audit WHERE seq = ?", arguments: [Int64(known.sequence)])
        case .some: found = nil
        }
        guard memory.maySign(expected: known, found: found) else { return }
        let checkpoint = try signer.sign(sequence: sequence, headHash: head, at: lastAt)
        try db.cachedStatement(sql: "INSERT INTO audit_checkpoints (seq, head_hash, at, key_id, signature) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [Int64(checkpoint.sequence), checkpoint.headHash, checkpoint.at, checkpoint.keyID, checkpoint.signature])
        let signed = SignedHeadMemory.Head(sequence: sequence, hash: head)
        db.afterNextTransaction(onCommit: { [memory] _ in memory.confirm(signed) })
    }
}
