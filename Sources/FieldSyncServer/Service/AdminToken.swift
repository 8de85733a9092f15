import Crypto
import Foundation

/// The administrator token: generated, never chosen. `fsa1_` then 43 base64url characters holding 256
/// random bits; the server is configured with its verifier `fsa1-sha256:<hex>` (`fieldsync admin token`
/// prints both) and keeps nothing else. A token of any other shape never authenticates, and a verifier in
/// any other form (such as the bare SHA-256 of a password like `test`) stops the server at start: a
/// hash cannot show how much entropy its token had, so the shape is what guarantees the 128 bits.
public enum AdminToken {
    public static let prefix = "fsa1_"
    public static let verifierPrefix = "fsa1-sha256:"
    /// 32 random bytes are 43 base64url characters without padding.
    static let secretLength = 43

    /// A new token and the verifier to configure (`admin.tokenHash`).
    public static func generate(randomBytes: (Int) -> [UInt8] = SyncService.systemRandomBytes) -> (token: String, verifier: String) {
        let token = prefix + DeviceCredential.base64URL(randomBytes(32))
        return (token, verifier(of: token))
    }

    public static func verifier(of token: String) -> String {
        verifierPrefix + DeviceCredential.hashHex(token)
    }

    /// Whether `token` has the generated shape.
    public static func isWellFormed(_ token: String) -> Bool {
        guard token.hasPrefix(prefix) else { return false }
        let secret = token.utf8.dropFirst(prefix.utf8.count)
        return secret.count == secretLength && secret.allSatisfy { byte in
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2D || byte == 0x5F
        }
    }

    /// The configured verifier's problem, or nil when it has the form `generate` prints.
    public static func problem(withVerifier verifier: String) -> String? {
        let hex = verifier.dropFirst(verifierPrefix.count)
        // ASCII hex only (Character.isHexDigit also takes fullwidth digits).
        guard verifier.hasPrefix(verifierPrefix), hex.utf8.count == 64,
              hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0 | 0x20) }) else {
            return "admin.tokenHash must be a verifier printed by `fieldsync admin token` (\(verifierPrefix) and 64 hex digits): "
                + "administrator tokens are generated with 256 random bits; the hash of a chosen password is refused"
        }
        return nil
    }

    /// Whether `token` matches `verifier`, compared in constant time (swift-crypto compares a digest with
    /// bytes without an early exit).
    static func matches(_ token: String, verifier: String) -> Bool {
        guard isWellFormed(token), problem(withVerifier: verifier) == nil else { return false }
        let hex = Array(verifier.dropFirst(verifierPrefix.count).lowercased().utf8)
        func nibble(_ digit: UInt8) -> UInt8 { digit <= 0x39 ? digit &- 0x30 : digit &- 0x57 }
        let expected = stride(from: 0, to: hex.count - 1, by: 2).map { nibble(hex[$0]) << 4 | nibble(hex[$0 + 1]) }
        return SHA256.hash(data: Array(token.utf8)) == expected
    }
}
