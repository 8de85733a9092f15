import FieldSyncCore

/// What an audit entry says, before the chain gives it a sequence and a hash.
public struct AuditDraft: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// One stored change per entry: how servers before batch entries audited pushes (still verified).
        case change
        /// The changes one push batch stored, one line of digests each (`ChangeDigests.batch`).
        case changes
        case enrollmentTokenCreated, enrollment, revocation, adminRead, purge, quarantine, roster
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

    /// The entry of an enrollment: the token (by a prefix of its hash) enrolled `device` and leased it `lease`.
    /// Both backends write it inside the enrollment's transaction.
    static func enrollment(of device: Device, tokenHash: String, lease: ReceiptLease, at now: Int64) -> AuditDraft {
        AuditDraft(kind: .enrollment, at: now, actor: "token:" + tokenHash.prefix(12), replica: device.replica.rawValue,
                   subject: device.station.rawValue,
                   detail: "enrolled '\(device.name)'; receipt lease \(lease.prefix) \(lease.first)...\(lease.last)")
    }
}
