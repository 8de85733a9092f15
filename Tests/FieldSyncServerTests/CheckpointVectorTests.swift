import FieldSyncCore
import FieldSyncTesting
import FieldSyncServer
import Foundation
import Testing

/// Protocol/vectors/checkpoints.json (SPEC §8.7), signed by OpenSSL through Python, not by this code: the
/// server's signer and verifier agree with an independent Ed25519.
@Suite("Audit checkpoint vectors")
struct CheckpointVectorTests {
    struct VectorFile: Decodable {
        var seed: String
        var publicKey: String
        var keyID: String
        var cases: [Case]
    }

    struct Case: Decodable {
        var name: String
        var checkpoint: AuditCheckpoint
        var signedMessage: String
        var valid: Bool
    }

    static func vectors() throws -> VectorFile {
        return try ProtocolVectors.load("checkpoints", as: VectorFile.self)
    }

    @Test("every checkpoint vector verifies exactly when it should, over exactly the stated message")
    func verification() throws {
        let file = try Self.vectors()
        for vector in file.cases {
            #expect(String(decoding: vector.checkpoint.signedMessage, as: UTF8.self) == vector.signedMessage, "\(vector.name)")
            #expect(AuditSigner.verify(vector.checkpoint, publicKey: file.publicKey) == vector.valid, "\(vector.name)")
        }
    }

    @Test("the signer with the vectors' seed has their key and key id, and signs the valid cases byte for byte (Ed25519 is deterministic)")
    func signing() throws {
        let file = try Self.vectors()
        let signer = try AuditSigner(seed: Array(try #require(Data(base64Encoded: file.seed))))
        #expect(signer.publicKey == file.publicKey && signer.keyID == file.keyID)
        for vector in file.cases where vector.valid {
            let signed = try signer.sign(sequence: vector.checkpoint.sequence, headHash: vector.checkpoint.headHash, at: vector.checkpoint.at)
            #expect(signed == vector.checkpoint, "\(vector.name)")
        }
    }
}
