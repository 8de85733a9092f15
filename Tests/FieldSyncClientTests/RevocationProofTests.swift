@testable import FieldSyncClient
import FieldSyncCore
import FieldSyncTesting
import Foundation
import Testing

/// The terminal's check of SPEC §10.10 against `Protocol/vectors/security.json`.
@Suite("Revocation proof (terminal side)")
struct RevocationProofTests {
    struct Vectors: Decodable {
        struct Proof: Decodable {
            var credential: String
            var revocationProof: String
        }
        var revocationProofs: [Proof]
    }

    @Test("the terminal accepts the vector's proof only on a 401 revoked with wipe, for its own credential")
    func vector() throws {
        let vectors = try ProtocolVectors.load("security", as: Vectors.self)
        for vector in vectors.revocationProofs {
            #expect(RevocationProof.expectedProof(credential: vector.credential) == vector.revocationProof)
            let answer = ProtocolError(.revoked, "revoked", wipe: true, revocationProof: vector.revocationProof)
            #expect(RevocationProof.verifies(answer, httpStatus: 401, credential: vector.credential))
            #expect(!RevocationProof.verifies(answer, httpStatus: 503, credential: vector.credential))
            #expect(!RevocationProof.verifies(answer, httpStatus: 401, credential: vector.credential + "x"))
            var noWipe = answer
            noWipe.wipe = false
            #expect(!RevocationProof.verifies(noWipe, httpStatus: 401, credential: vector.credential))
            var otherCode = answer
            otherCode.code = .unavailable
            #expect(!RevocationProof.verifies(otherCode, httpStatus: 401, credential: vector.credential))
        }
    }
}
