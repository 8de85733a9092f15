import FieldSyncCore
import Foundation
import PostgresNIO

extension PostgresStorage {
    // MARK: Devices and enrollment

    public func createEnrollmentToken(_ token: EnrollmentToken, audit: AuditDraft) async throws {
        try await transaction { [self] connection in
            try await connection.query("""
                INSERT INTO enrollment_tokens (token_hash, station, created_at, expires_at)
                VALUES (\(token.tokenHash), \(token.station.rawValue), \(token.createdAt), \(token.expiresAt))
                """, logger: logger)
            try await appendAudit([audit], on: connection)
        }
    }

    public func enroll(tokenHash: String, registration: DeviceRegistration, leaseSize: Int64, now: Int64) async throws -> Enrollment {
        try await transaction { [self] connection in
            // Spending the token is one conditional update: of two nodes racing with it, one wins.
            let spent = try await fetch("""
                UPDATE enrollment_tokens SET used_at = \(now), used_by = \(registration.replica.rawValue)
                WHERE token_hash = \(tokenHash) AND used_at IS NULL AND expires_at > \(now) RETURNING station
                """, as: String.self, on: connection)
            guard let stationName = spent.first else {
                let known = try await fetch("SELECT used_at FROM enrollment_tokens WHERE token_hash = \(tokenHash)",
                                            as: Int64?.self, on: connection)
                guard let usedAt = known.first else { throw ServerError(.invalidToken, "the enrollment token is not known") }
                throw ServerError(.invalidToken, usedAt == nil ? "the enrollment token has expired" : "the enrollment token was already used")
            }
            let station = UnitID(stationName)
            let device = Device(replica: registration.replica, name: registration.name, station: station, enrolledAt: now)
            try await connection.query("""
                INSERT INTO devices (replica, name, station, credential_hash, enrolled_at)
                VALUES (\(device.replica.rawValue), \(device.name), \(station.rawValue), \(ByteBuffer(bytes: registration.credentialHash)), \(now))
                """, logger: logger)
            let lease = try await allocateLease(device: device, size: leaseSize, now: now, on: connection)
            try await appendAudit([AuditDraft.enrollment(of: device, tokenHash: tokenHash, lease: lease, at: now)],
                                  on: connection)
            return Enrollment(device: device, lease: lease)
        }
    }

    public func device(_ replica: ReplicaID) async throws -> StoredDevice? {
        try await withConnection { [self] connection in
            try await devices(where: "WHERE replica = \(replica.rawValue)", on: connection).first
        }
    }

    public func devices() async throws -> [Device] {
        try await withConnection { [self] connection in
            try await devices(where: "ORDER BY enrolled_at, replica", on: connection).map(\.device)
        }
    }

    public func revoke(_ replica: ReplicaID, now: Int64, audit: AuditDraft) async throws -> Device {
        try await transaction { [self] connection in
            guard var device = try await devices(where: "WHERE replica = \(replica.rawValue) FOR UPDATE", on: connection).first?.device else {
                throw ServerError(.notFound, "no device \(replica)")
            }
            guard device.revokedAt == nil else { return device }
            try await connection.query("UPDATE devices SET revoked_at = \(now) WHERE replica = \(replica.rawValue)", logger: logger)
            device.revokedAt = now
            try await appendAudit([audit], on: connection)
            return device
        }
    }

    private func devices(where clause: PostgresQuery, on connection: PostgresConnection) async throws -> [StoredDevice] {
        var query: PostgresQuery = "SELECT replica, name, station, credential_hash, enrolled_at, revoked_at FROM devices "
        query.sql += clause.sql
        query.binds = clause.binds
        var devices: [StoredDevice] = []
        for (replica, name, station, hash, enrolledAt, revokedAt) in try await fetch(
            query, as: (String, String, String, ByteBuffer, Int64, Int64?).self, on: connection) {
            let unit = UnitID(station)
            devices.append(StoredDevice(device: Device(replica: ReplicaID(replica), name: name, station: unit,
                                                       enrolledAt: enrolledAt, revokedAt: revokedAt),
                                        credentialHash: Array(buffer: hash)))
        }
        return devices
    }

    // MARK: Receipt-number leases

    public func allocateLease(for device: Device, size: Int64, now: Int64) async throws -> ReceiptLease {
        try await transaction { [self] connection in try await allocateLease(device: device, size: size, now: now, on: connection) }
    }

    public func leases() async throws -> [LeaseGrant] {
        try await withConnection { [self] connection in
            var grants: [LeaseGrant] = []
            for (replica, prefix, first, last, grantedAt) in try await fetch(
                "SELECT replica, prefix, first, last, granted_at FROM leases ORDER BY id",
                as: (String, String, Int64, Int64, Int64).self, on: connection) {
                grants.append(LeaseGrant(replica: ReplicaID(replica), lease: ReceiptLease(prefix: prefix, first: first, last: last),
                                         grantedAt: grantedAt))
            }
            return grants
        }
    }

    /// Blocks under one prefix never overlap: the prefix's head row is moved up by `size` under its row
    /// lock, so concurrent grants on different nodes queue and get consecutive blocks.
    func allocateLease(device: Device, size: Int64, now: Int64, on connection: PostgresConnection) async throws -> ReceiptLease {
        let prefix = device.station.rawValue
        let size = max(1, size)
        let last = try await fetch("""
            INSERT INTO lease_heads (prefix, last) VALUES (\(prefix), \(size))
            ON CONFLICT (prefix) DO UPDATE SET last = lease_heads.last + EXCLUDED.last RETURNING last
            """, as: Int64.self, on: connection)[0]
        let lease = ReceiptLease(prefix: prefix, first: last - size + 1, last: last)
        try await connection.query("""
            INSERT INTO leases (replica, prefix, first, last, granted_at)
            VALUES (\(device.replica.rawValue), \(prefix), \(lease.first), \(lease.last), \(now))
            """, logger: logger)
        return lease
    }

    // MARK: Audit chain

    public func appendAudit(_ draft: AuditDraft) async throws -> AuditEntry {
        try await transaction { [self] connection in try await appendAudit([draft], on: connection)[0] }
    }

    public func auditEntries(after sequence: UInt64, limit: Int) async throws -> [AuditEntry] {
        try await withConnection { [self] connection in
            var entries: [AuditEntry] = []
            for (seq, kind, at, actor, replica, subject, detail, previousHash, hash) in try await fetch("""
                SELECT seq, kind, at, actor, replica, subject, detail, previous_hash, hash FROM audit
                WHERE seq > \(Int64(sequence)) ORDER BY seq LIMIT \(limit)
                """, as: (Int64, String, Int64, String, String, String, String, String, String).self, on: connection) {
                let draft = AuditDraft(kind: AuditDraft.Kind(rawValue: kind) ?? .change, at: at, actor: actor, replica: replica,
                                       subject: subject, detail: detail)
                entries.append(AuditEntry(sequence: UInt64(seq), draft: draft, previousHash: previousHash, hash: hash))
            }
            return entries
        }
    }

    /// Appends `drafts` to the audit chain under the head lock, held until the transaction commits.
    @discardableResult
    func appendAudit(_ drafts: [AuditDraft], on connection: PostgresConnection) async throws -> [AuditEntry] {
        var head = try await lockHead(on: connection)
        let entries = try await insertAudit(drafts, head: &head, on: connection)
        try await storeHead(head, on: connection)
        return entries
    }

    /// The change-sequence and audit-chain heads.
    struct Head {
        var sequence: Int64
        var auditSequence: Int64
        var auditHash: String
        /// The audit sequence when the lock was taken: a transaction that advanced it signs a checkpoint.
        var lockedAuditSequence: Int64
        /// The time of the last entry appended, which the checkpoint carries.
        var lastAuditAt: Int64 = 0
        /// The last head this node signed and committed, and the hash the chain holds at its sequence now
        /// (nil: no such entry): `SignedHeadMemory` decides from them whether this transaction may sign.
        var signedByThisNode: SignedHeadMemory.Head?
        var foundAtSigned: String?
    }

    /// Takes the commit-order lock (the `sync_head` row) and reads the heads, and the chain's hash at the
    /// last head this node signed (same statement: no extra round trip). In READ COMMITTED a `FOR UPDATE`
    /// that waited returns the row as the previous holder committed it.
    func lockHead(on connection: PostgresConnection) async throws -> Head {
        let signed = signedHead.committed
        let rows = try await fetch("""
            SELECT h.seq, h.audit_seq, h.audit_hash, (SELECT a.hash FROM audit a WHERE a.seq = \(Int64(signed?.sequence ?? 0)))
            FROM sync_head h WHERE h.id = 1 FOR UPDATE
            """, as: (Int64, Int64, String, String?).self, on: connection)
        return Head(sequence: rows[0].0, auditSequence: rows[0].1, auditHash: rows[0].2, lockedAuditSequence: rows[0].1,
                    signedByThisNode: signed, foundAtSigned: rows[0].3)
    }

    /// Stores the heads and, when the chain advanced, a key is configured and the chain still extends what
    /// this node last signed, the signed checkpoint of the new audit head, in the same statement (no extra
    /// round trip) and under the same lock.
    func storeHead(_ head: Head, on connection: PostgresConnection) async throws {
        guard let auditSigner, head.auditSequence > head.lockedAuditSequence,
              signedHead.maySign(expected: head.signedByThisNode, found: head.foundAtSigned) else {
            try await connection.query("""
                UPDATE sync_head SET seq = \(head.sequence), audit_seq = \(head.auditSequence), audit_hash = \(head.auditHash) WHERE id = 1
                """, logger: logger)
            return
        }
        let checkpoint = try auditSigner.sign(sequence: UInt64(head.auditSequence), headHash: head.auditHash, at: head.lastAuditAt)
        try await connection.query("""
            WITH signed AS (
                INSERT INTO audit_checkpoints (seq, head_hash, at, key_id, signature)
                VALUES (\(head.auditSequence), \(checkpoint.headHash), \(checkpoint.at), \(checkpoint.keyID), \(checkpoint.signature)))
            UPDATE sync_head SET seq = \(head.sequence), audit_seq = \(head.auditSequence), audit_hash = \(head.auditHash) WHERE id = 1
            """, logger: logger)
        // `transaction` tells the memory once this commits.
        PendingSignedHead.current?.set(SignedHeadMemory.Head(sequence: UInt64(head.auditSequence), hash: head.auditHash))
    }

    func insertAudit(_ drafts: [AuditDraft], head: inout Head, on connection: PostgresConnection) async throws -> [AuditEntry] {
        guard !drafts.isEmpty else { return [] }
        var entries: [AuditEntry] = []
        entries.reserveCapacity(drafts.count)
        for draft in drafts {
            let entry = AuditChain.link(draft, sequence: UInt64(head.auditSequence + 1), previousHash: head.auditHash)
            head.auditSequence += 1
            head.auditHash = entry.hash
            head.lastAuditAt = draft.at
            entries.append(entry)
        }
        try await connection.query("""
            INSERT INTO audit (seq, kind, at, actor, replica, subject, detail, previous_hash, hash)
            SELECT * FROM unnest(\(entries.map { Int64($0.sequence) })::int8[], \(entries.map(\.draft.kind.rawValue))::text[],
                \(entries.map(\.draft.at))::int8[], \(entries.map(\.draft.actor))::text[], \(entries.map(\.draft.replica))::text[],
                \(entries.map(\.draft.subject))::text[], \(entries.map(\.draft.detail))::text[],
                \(entries.map(\.previousHash))::text[], \(entries.map(\.hash))::text[])
            """, logger: logger)
        return entries
    }
}
