import FieldSyncCore

/// A one-time enrollment token as stored: only its hash, the station it binds and when it expires.
public struct EnrollmentToken: Hashable, Sendable, Codable {
    /// Hex SHA-256 of the token text.
    public var tokenHash: String
    public var station: UnitID
    public var createdAt: Int64
    public var expiresAt: Int64

    public init(tokenHash: String, station: UnitID, createdAt: Int64, expiresAt: Int64) {
        self.tokenHash = tokenHash
        self.station = station
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A receipt-number block granted to a device.
public struct LeaseGrant: Hashable, Sendable, Codable {
    public var replica: ReplicaID
    public var lease: ReceiptLease
    public var grantedAt: Int64

    public init(replica: ReplicaID, lease: ReceiptLease, grantedAt: Int64) {
        self.replica = replica
        self.lease = lease
        self.grantedAt = grantedAt
    }
}
