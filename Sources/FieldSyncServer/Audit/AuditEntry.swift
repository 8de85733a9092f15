/// What an audit entry says, before the chain gives it a sequence and a hash.
public struct AuditDraft: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case change, enrollmentTokenCreated, enrollment, revocation, adminRead, purge, quarantine, roster
    }

    public var kind: Kind
    public var at: Int64
    /// Who acted: officers' badge numbers for changes, `admin` for administrators.
    public var actor: String
    /// The device involved, if any.
    public var replica: String
    /// What the entry is about: a record id, a replica id, a station.
    public var subject: String
    public var detail: String

    public init(kind: Kind, at: Int64, actor: String, replica: String = "", subject: String, detail: String = "") {
        self.kind = kind
        self.at = at
        self.actor = actor
        self.replica = replica
        self.subject = subject
        self.detail = detail
    }
}

/// One link of the audit chain: its hash covers its content, its sequence and the previous entry's hash,
/// so altering, removing or inserting an entry breaks the chain from that point on.
public struct AuditEntry: Hashable, Sendable, Codable {
    public var sequence: UInt64
    public var draft: AuditDraft
    /// Hex SHA-256 of the previous entry (64 zeros for the first).
    public var previousHash: String
    public var hash: String

    public init(sequence: UInt64, draft: AuditDraft, previousHash: String, hash: String) {
        self.sequence = sequence
        self.draft = draft
        self.previousHash = previousHash
        self.hash = hash
    }
}
