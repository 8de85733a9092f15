/// A signed head of the server's audit chain (SPEC §8.7): "the chain held `sequence` entries and the last
/// one hashed to `headHash`", signed with the server's Ed25519 key, which lives outside the database.
/// Whoever keeps a checkpoint can later prove that the chain was cut below it or rewritten, even by
/// someone who could recompute every hash in the database.
public struct AuditCheckpoint: Hashable, Sendable, Codable {
    /// The audit sequence of the entry the checkpoint covers (with all entries before it).
    public var sequence: UInt64
    /// That entry's hash: 64 lowercase hex digits.
    public var headHash: String
    /// When it was signed (milliseconds since 1970): the time of the last entry it covers.
    public var at: Int64
    /// The signing key: the first 16 hex digits of SHA-256 of the raw 32-byte public key.
    public var keyID: String
    /// Ed25519 signature of `signedMessage`, base64 (standard alphabet, padded).
    public var signature: String

    /// A checkpoint as given; nothing is verified here (the terminal store verifies before it keeps one).
    public init(sequence: UInt64, headHash: String, at: Int64, keyID: String, signature: String) {
        self.sequence = sequence
        self.headHash = headHash
        self.at = at
        self.keyID = keyID
        self.signature = signature
    }

    /// The bytes that are signed: one line each, no trailing newline (SPEC §8.7).
    public var signedMessage: [UInt8] {
        Self.message(sequence: sequence, headHash: headHash, at: at, keyID: keyID)
    }

    /// The message a checkpoint of these values signs: `fieldsync-audit-checkpoint-v1`, then sequence,
    /// head hash, time and key id, joined by `\n` (UTF-8, integers in decimal, no trailing newline).
    public static func message(sequence: UInt64, headHash: String, at: Int64, keyID: String) -> [UInt8] {
        Array("fieldsync-audit-checkpoint-v1\n\(sequence)\n\(headHash)\n\(at)\n\(keyID)".utf8)
    }
}
