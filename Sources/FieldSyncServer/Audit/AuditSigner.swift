import Crypto
import FieldSyncCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Signs audit checkpoints with the server's Ed25519 key. The key lives in a file outside the database
/// (`audit.signingKeyFile`), so that someone who can rewrite the database, and so recompute every hash of
/// the chain, still cannot sign the rewritten head. Every server node of one deployment uses the same key.
public struct AuditSigner: Sendable {
    private let box: KeyBox
    /// The raw 32-byte public key, base64: what terminals learn at enrollment and verifiers are given.
    public let publicKey: String
    public let keyID: String

    public init(key: Curve25519.Signing.PrivateKey) {
        box = KeyBox(key)
        publicKey = key.publicKey.rawRepresentation.base64EncodedString()
        keyID = Self.keyID(of: key.publicKey.rawRepresentation)
    }

    /// A new random key held in memory only (the demo's in-process server).
    public static func ephemeral() -> AuditSigner {
        AuditSigner(key: Curve25519.Signing.PrivateKey())
    }

    /// A key from its 32-byte seed (tests use fixed seeds).
    public init(seed: [UInt8]) throws {
        self.init(key: try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
    }

    public func sign(sequence: UInt64, headHash: String, at: Int64) throws -> AuditCheckpoint {
        let message = AuditCheckpoint.message(sequence: sequence, headHash: headHash, at: at, keyID: keyID)
        let signature = try box.key.signature(for: message)
        return AuditCheckpoint(sequence: sequence, headHash: headHash, at: at, keyID: keyID,
                               signature: signature.base64EncodedString())
    }

    /// The first 16 hex digits of SHA-256 of the raw public key (SPEC §8.7).
    public static func keyID(of rawPublicKey: some DataProtocol) -> String {
        String(AuditChain.hex(SHA256.hash(data: Array(rawPublicKey))).prefix(16))
    }

    /// Whether `checkpoint` is signed by `publicKey` (raw 32 bytes, base64) and names that key.
    public static func verify(_ checkpoint: AuditCheckpoint, publicKey: String) -> Bool {
        guard let raw = Data(base64Encoded: publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
              let signature = Data(base64Encoded: checkpoint.signature), checkpoint.keyID == keyID(of: raw) else { return false }
        return key.isValidSignature(signature, for: checkpoint.signedMessage)
    }

    /// swift-crypto does not mark the key Sendable. It is immutable once made, and signing only reads it
    /// (BoringSSL's ED25519_sign takes the key const), so sharing it between tasks is safe.
    private final class KeyBox: @unchecked Sendable {
        let key: Curve25519.Signing.PrivateKey
        init(_ key: Curve25519.Signing.PrivateKey) { self.key = key }
    }

    // MARK: The key file

    /// Reads the key file at `path`, or creates it (mode 0600, a new random key) when it does not exist.
    /// The file holds the base64 of the 32-byte Ed25519 seed on one line.
    public static func loadOrCreate(path: String) throws -> AuditSigner {
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: path) {
            let text = try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let seed = Data(base64Encoded: text), seed.count == 32 else {
                throw ServerConfigError("audit.signingKeyFile \(path) does not hold a base64 Ed25519 key (32 bytes)")
            }
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
                throw ServerConfigError("audit.signingKeyFile \(path) is readable by others (mode \(String(mode, radix: 8))): chmod 600 it")
            }
            return try AuditSigner(seed: Array(seed))
        }
        let key = Curve25519.Signing.PrivateKey()
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Written whole to a private temporary file (created 0600 by open(2) itself, so the key is never
        // readable by others, not even briefly), then linked into place: link(2) fails if the name exists,
        // so of two nodes starting at once on a shared directory one key wins and the other node loads it,
        // and nobody ever reads a half-written key file.
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw ServerConfigError("audit.signingKeyFile \(path) cannot be created in its directory (errno \(errno))")
        }
        defer { unlink(temporary) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data((key.rawRepresentation.base64EncodedString() + "\n").utf8))
        try handle.synchronize()
        try handle.close()
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { return try loadOrCreate(path: path) }
            throw ServerConfigError("audit.signingKeyFile \(path) cannot be created (errno \(errno))")
        }
        return AuditSigner(key: key)
    }
}
