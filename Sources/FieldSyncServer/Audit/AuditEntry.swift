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
