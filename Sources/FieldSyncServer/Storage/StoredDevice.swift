import FieldSyncCore

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
