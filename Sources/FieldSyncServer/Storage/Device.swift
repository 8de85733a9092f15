import FieldSyncCore

/// An enrolled terminal as administrators see it (never its credential).
public struct Device: Hashable, Sendable, Codable {
    public var replica: ReplicaID
    public var name: String
    public var station: UnitID
    /// Units whose records the device may see and write: its station.
    public var scopes: [UnitID]
    public var enrolledAt: Int64
    public var revokedAt: Int64?

    public init(replica: ReplicaID, name: String, station: UnitID, scopes: [UnitID], enrolledAt: Int64, revokedAt: Int64? = nil) {
        self.replica = replica
        self.name = name
        self.station = station
        self.scopes = scopes
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
    }

    public var isRevoked: Bool { revokedAt != nil }

    /// Whether the device may see a record whose server-side unit set is `units`.
    public func maySee(units: some Sequence<UnitID>) -> Bool {
        units.contains { unit in scopes.contains { unit.isWithin($0) } }
    }
}

/// A device with the hash of its credential secret, for authentication only.
public struct StoredDevice: Sendable {
    public var device: Device
    /// SHA-256 of the secret part of the credential.
    public var credentialHash: [UInt8]

    public init(device: Device, credentialHash: [UInt8]) {
        self.device = device
        self.credentialHash = credentialHash
    }
}

/// What enrollment stores for a new device: the station comes from the token.
public struct DeviceRegistration: Sendable {
    public var replica: ReplicaID
    public var name: String
    public var credentialHash: [UInt8]

    public init(replica: ReplicaID, name: String, credentialHash: [UInt8]) {
        self.replica = replica
        self.name = name
        self.credentialHash = credentialHash
    }
}

/// The outcome of a successful enrollment.
public struct Enrollment: Sendable {
    public var device: Device
    public var lease: ReceiptLease

    public init(device: Device, lease: ReceiptLease) {
        self.device = device
        self.lease = lease
    }
}
