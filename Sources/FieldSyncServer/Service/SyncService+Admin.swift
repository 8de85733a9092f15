import FieldSyncCore
import Foundation

/// Administrative operations. Each takes the already-authenticated administrator; reads of records
/// are audited because they can reveal personal data.
extension SyncService {
    /// Checks an administrator bearer token against the configured hash, in constant time.
    public func authenticateAdmin(token: String?) throws {
        guard let expected = settings.adminTokenHash else {
            throw ServerError(.forbidden, "administration is disabled: no admin token hash is configured")
        }
        guard let token, !token.isEmpty,
              DeviceCredential.constantTimeEquals(Array(DeviceCredential.hashHex(token).utf8), Array(expected.lowercased().utf8))
        else { throw ServerError(.unauthenticated, "an administrator token is required") }
    }

    /// A new one-time enrollment token for `station`. The token text is returned once; only its hash is kept.
    public func createEnrollmentToken(station: UnitID, lifetime: Int64? = nil) async throws -> IssuedEnrollmentToken {
        guard station.isWellFormed else { throw ServerError(.malformedRequest, "'\(station)' is not a unit code") }
        // The station code prefixes its terminals' receipt numbers, which the protocol caps at 24 bytes:
        // refuse here rather than after a terminal has used its one-time token.
        guard station.rawValue.utf8.count <= 24 else {
            throw ServerError(.malformedRequest, "station code '\(station)' is longer than 24 bytes, the receipt-number prefix limit")
        }
        let token = DeviceCredential.base64URL(randomBytes(32))
        let now = self.now
        let expiresAt = now + (lifetime ?? settings.enrollmentTokenLifetime)
        let hash = DeviceCredential.hashHex(token)
        try await guarded {
            try await storage.createEnrollmentToken(
                EnrollmentToken(tokenHash: hash, station: station, createdAt: now, expiresAt: expiresAt),
                audit: AuditDraft(kind: .enrollmentTokenCreated, at: now, actor: "admin", subject: station.rawValue,
                                  detail: "token sha256:\(hash.prefix(12)) expires \(expiresAt)"))
        }
        return IssuedEnrollmentToken(token: token, station: station, expiresAt: expiresAt)
    }

    public func devices() async throws -> [Device] {
        try await guarded { try await storage.devices() }
    }

    public func revoke(_ replica: ReplicaID, reason: String = "") async throws -> Device {
        let now = self.now
        return try await guarded {
            try await storage.revoke(replica, now: now, audit: AuditDraft(kind: .revocation, at: now, actor: "admin",
                                                                         replica: replica.rawValue, subject: replica.rawValue,
                                                                         detail: reason))
        }
    }

    public func leases() async throws -> [LeaseGrant] {
        try await guarded { try await storage.leases() }
    }

    /// Reads a record as an administrator; the read is audited (with its stated reason) before the state is returned.
    public func readRecord(_ id: RecordID, reason: String) async throws -> StoredRecord {
        let draft = AuditDraft(kind: .adminRead, at: now, actor: "admin", subject: id.rawValue, detail: reason)
        guard let record = try await guarded({ try await storage.record(id, audit: draft) }) else {
            throw ServerError(.notFound, "no record \(id)")
        }
        return record
    }

    /// History holds every value ever written, personal data included (names, national ids and phone numbers
    /// of visited persons and reporters; the places and times of officers): reading it states a reason, like
    /// reading a record, and the read is audited first with that reason. Every record type holds such data,
    /// so every history read needs one.
    public func history(of id: RecordID, reason: String) async throws -> [HistoryEntry] {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            throw ServerError(.malformedRequest, "state the reason for reading this history: ?reason=...")
        }
        try await auditRead(subject: id.rawValue, detail: "history: " + reason)
        return try await guarded { try await storage.history(of: id) }
    }

    /// Records whose concurrent values wait for a person.
    public func conflicts(limit: Int = 1_000) async throws -> [ConflictDescription] {
        try await auditRead(subject: "conflicts", detail: "conflict list")
        let records = try await guarded { try await storage.conflictedRecords(limit: limit) }
        return records.compactMap { record in registry[record.state.type]?.conflicts(in: record.state) }
    }

    public func conflict(_ id: RecordID) async throws -> ConflictDescription? {
        try await auditRead(subject: id.rawValue, detail: "conflict")
        guard let record = try await guarded({ try await storage.record(id, audit: nil) }) else {
            throw ServerError(.notFound, "no record \(id)")
        }
        return registry[record.state.type]?.conflicts(in: record.state)
    }

    public func quarantine(limit: Int = 1_000) async throws -> [QuarantinedChange] {
        try await auditRead(subject: "quarantine", detail: "quarantine list")
        return try await guarded { try await storage.quarantine(limit: limit) }
    }

    /// Retention purge: removes the record's state and history; the audit chain keeps that it happened.
    public func purge(_ id: RecordID, reason: String) async throws {
        let draft = AuditDraft(kind: .purge, at: now, actor: "admin", subject: id.rawValue, detail: reason)
        try await guarded { try await storage.purge(id, audit: draft) }
    }

    /// Appends the audit entry of an administrator's read before the read happens, so that no read
    /// goes unrecorded even if the answer never arrives.
    func auditRead(subject: String, detail: String) async throws {
        let draft = AuditDraft(kind: .adminRead, at: now, actor: "admin", subject: subject, detail: detail)
        _ = try await guarded { try await storage.appendAudit(draft) }
    }
}

/// An enrollment token as handed to the administrator: the only time its text exists outside the terminal.
public struct IssuedEnrollmentToken: Hashable, Sendable, Codable {
    public var token: String
    public var station: UnitID
    public var expiresAt: Int64
}
