import FieldSyncCore

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
