import FieldSyncCore

/// The storage port of the server. Operations are whole protocol steps ("apply this push batch
/// atomically", "read the page after this cursor for these scopes"), not row access, so that a
/// backend of many stateless nodes on one PostgreSQL database can implement each step in one
/// transaction of its own. Backends throw `ServerError` for protocol outcomes (`invalidToken`,
/// `batchConflict`, `notFound`) and any other error for operating failures.
public protocol SyncStorage: Sendable {
    /// Creates or migrates the schema. Idempotent.
    func prepare() async throws

    // MARK: Devices and enrollment

    /// Stores a new one-time enrollment token (by hash) and audits its creation.
    func createEnrollmentToken(_ token: EnrollmentToken, audit: AuditDraft) async throws
    /// Consumes the token `tokenHash` (unused and unexpired at `now`), registers the device for the
    /// token's station, leases it a first block of receipt numbers and audits the enrollment: all or nothing.
    func enroll(tokenHash: String, registration: DeviceRegistration, leaseSize: Int64, now: Int64) async throws -> Enrollment
    func device(_ replica: ReplicaID) async throws -> StoredDevice?
    func devices() async throws -> [Device]
    /// Marks the device revoked (idempotent) and audits it. Throws `notFound` for an unknown device.
    func revoke(_ replica: ReplicaID, now: Int64, audit: AuditDraft) async throws -> Device

    // MARK: Receipt-number leases

    /// The next free block of `size` numbers under the device's station prefix.
    func allocateLease(for device: Device, size: Int64, now: Int64) async throws -> ReceiptLease
    func leases() async throws -> [LeaseGrant]

    // MARK: Rosters

    /// Replaces the roster of `unit` with `officers` (empty: the unit has no roster of its own) and
    /// audits the change, in one transaction.
    func replaceRoster(of unit: UnitID, officers: [OfficerID], now: Int64, audit: AuditDraft) async throws
    /// The roster entries of `units`.
    func roster(of units: [UnitID]) async throws -> [RosterEntry]

    // MARK: Sync

    /// Applies a push batch in one transaction. For each record, in order, `admit` decides against the
    /// stored state what to store; the storage assigns change sequences, appends history and audit
    /// entries, quarantines rejections and stores the answers under the batch id. A batch id already
    /// stored for this replica returns the stored answers without calling `admit` (or throws
    /// `batchConflict` when the fingerprint differs).
    func applyPush(_ batch: PushBatch, admit: @escaping @Sendable (RecordState, ServerRecord?) -> Admission) async throws -> AppliedPush
    /// Changed records after `cursor` (a change sequence) visible to `scopes`, in sequence order: at most
    /// `limit` records and `maxBytes` bytes of states (at least one record, whatever its size; `PullPlan`).
    /// The page's cursor never passes a change that a later page could still need.
    func pullPage(after cursor: UInt64, scopes: [UnitID], limit: Int, maxBytes: Int) async throws -> StoredPage
    /// The latest change sequence.
    func headSequence() async throws -> UInt64

    // MARK: Administration

    /// The stored record; when `audit` is given the read is audited in the same transaction.
    func record(_ id: RecordID, audit: AuditDraft?) async throws -> ServerRecord?
    func history(of id: RecordID) async throws -> [HistoryEntry]
    func conflictedRecords(limit: Int) async throws -> [ServerRecord]
    func quarantine(limit: Int) async throws -> [QuarantinedChange]
    /// Removes a record's state, history and quarantined changes (retention purge) and audits it.
    func purge(_ id: RecordID, audit: AuditDraft) async throws

    // MARK: Reporting deadlines

    /// The open deadlines (`OpenDeadline`: not met, as each record's stored state says) due at or before
    /// `dueBy`, by due time.
    func openDeadlines(dueBy: Int64) async throws -> [OpenDeadline]
    /// How many open deadlines were due before `now`, per deadline and unit set (`OpenDeadline.units`):
    /// what the overdue metric counts, bounded by the unit sets rather than the cases.
    func overdueCounts(at now: Int64) async throws -> [OverdueCount]

    // MARK: Audit chain

    func appendAudit(_ draft: AuditDraft) async throws -> AuditEntry
    /// Audit entries in sequence order after `sequence`.
    func auditEntries(after sequence: UInt64, limit: Int) async throws -> [AuditEntry]
    /// The key that signs a checkpoint of the chain's head in every transaction that appends to it.
    var auditSigner: AuditSigner? { get }
    /// Why this storage stopped signing (the chain no longer extends the head it last signed), nil while it signs.
    var auditSigningRefusal: String? { get }
    /// The signed checkpoint of the highest audit sequence, if any.
    func latestCheckpoint() async throws -> AuditCheckpoint?
    /// Stored checkpoints in sequence order after `sequence`.
    func checkpoints(after sequence: UInt64, limit: Int) async throws -> [AuditCheckpoint]

    // MARK: Verification (`audit verify`)

    /// History rows as stored, in change-sequence order after `sequence`.
    func historyRows(after sequence: UInt64, limit: Int) async throws -> [StoredHistoryRow]
    /// Records as stored, in id order after `id` (nil: from the first), each with its history rows in sequence order.
    func recordsWithHistory(after id: RecordID?, limit: Int) async throws -> [StoredRecordRows]
    /// The first history row (by sequence) whose record has no stored state, if any.
    func firstHistoryWithoutRecord() async throws -> StoredHistoryRow?
    /// Quarantine rows written with an audit entry (`chained`), in id order after `id`.
    func chainedQuarantineRows(after id: Int64, limit: Int) async throws -> [StoredQuarantineRow]
}

extension SyncStorage {
    /// A page bounded by `limit` records only.
    public func pullPage(after cursor: UInt64, scopes: [UnitID], limit: Int) async throws -> StoredPage {
        try await pullPage(after: cursor, scopes: scopes, limit: limit, maxBytes: .max)
    }
}
