import Crypto
import FieldSyncCore
import Foundation

/// Device credentials and other secrets: `<replicaID>.<base64url of 32 random bytes>`. The server keeps
/// only the SHA-256 of the secret part and compares hashes in constant time, after looking the device up
/// by the replica id in front.
public enum DeviceCredential {
    public static let secretByteCount = 32

    public static func make(replica: ReplicaID, secret: [UInt8]) -> String {
        replica.rawValue + "." + base64URL(secret)
    }

    /// Splits a credential into its replica id and secret text, or nil when it has no such shape.
    public static func parse(_ credential: String) -> (replica: ReplicaID, secret: String)? {
        guard let dot = credential.lastIndex(of: ".") else { return nil }
        let replica = ReplicaID(String(credential[..<dot]))
        let secret = String(credential[credential.index(after: dot)...])
        guard replica.isWellFormed, !secret.isEmpty, secret.utf8.count <= 128 else { return nil }
        return (replica, secret)
    }

    public static func hash(_ secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8)))
    }

    public static func hashHex(_ secret: String) -> String {
        AuditChain.hex(hash(secret))
    }

    /// Whether `secret` is the one whose hash is `storedHash`, in constant time (swift-crypto compares a
    /// digest with bytes without an early exit).
    public static func matches(_ secret: String, storedHash: [UInt8]) -> Bool {
        SHA256.hash(data: Array(secret.utf8)) == storedHash
    }

    /// The proof that a `revoked` answer comes from the server that enrolled the device (SPEC §10.10):
    /// HMAC-SHA256 keyed with the stored hash of the device's secret, over `fieldsync-revoked-v1\n<replica>`.
    public static func revocationProof(replica: ReplicaID, credentialHash: [UInt8]) -> String {
        let message = Array("fieldsync-revoked-v1\n\(replica.rawValue)".utf8)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: credentialHash))
        return base64URL(Array(code))
    }

    public static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Hex of `bytes`, for replica ids.
    public static func hex(_ bytes: [UInt8]) -> String { AuditChain.hex(bytes) }
}
