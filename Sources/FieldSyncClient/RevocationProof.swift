import Crypto
import FieldSyncCore
import Foundation

/// The terminal's half of SPEC §10.10: a `revoked` answer destroys the store only when it proves that it
/// comes from the server that enrolled this device. The proof is HMAC-SHA256 keyed with SHA-256 of the
/// device's secret, over `fieldsync-revoked-v1\n<replica>`; the server keeps only that hash, and nothing
/// between the two (a proxy, a captive portal, a spoofed 503 with `"wipe": true`) can compute it.
enum RevocationProof {
    /// Whether `error` is an authenticated revocation of the device holding `credential`.
    static func verifies(_ error: ProtocolError?, httpStatus: Int?, credential: String) -> Bool {
        guard let error, error.code == .revoked, error.wipe, httpStatus == 401,
              let proof = error.revocationProof, let expected = expectedProof(credential: credential) else { return false }
        // Both are digests of public length; compare as digests (constant time).
        return Data(proof.utf8).withUnsafeBytes { given in
            Data(expected.utf8).withUnsafeBytes { wanted in
                given.count == wanted.count && zip(given, wanted).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
            }
        }
    }

    /// The proof the server must send for `credential` (`<replica>.<secret>`), nil for a malformed one.
    static func expectedProof(credential: String) -> String? {
        guard let dot = credential.lastIndex(of: "."), dot != credential.startIndex else { return nil }
        let replica = credential[..<dot]
        let secret = credential[credential.index(after: dot)...]
        guard !secret.isEmpty else { return nil }
        let key = SymmetricKey(data: SHA256.hash(data: Array(secret.utf8)))
        let code = HMAC<SHA256>.authenticationCode(for: Array("fieldsync-revoked-v1\n\(replica)".utf8), using: key)
        return Data(code).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
