import FieldSyncCore
import FieldSyncTesting
@testable import FieldSyncServer
import Foundation
import Testing

/// `Protocol/vectors/security.json`: what a second implementation of the server needs for §10.7 and §10.10.
@Suite("Security vectors (SPEC §10.7, §10.10)")
struct SecurityVectorTests {
    struct Vectors: Decodable {
        struct Proof: Decodable {
            var credential: String
            var replica: String
            var credentialHashHex: String
            var revocationProof: String
        }
        struct Lease: Decodable {
            var lease: ReceiptLease
            var number: String
            var leased: Bool
        }
        var revocationProofs: [Proof]
        var receiptLeases: [Lease]
    }

    static func load() throws -> Vectors {
        try ProtocolVectors.load("security", as: Vectors.self)
    }

    @Test("the server's revocation proof matches the vector")
    func proofs() throws {
        for vector in try Self.load().revocationProofs {
            let (replica, secret) = try #require(DeviceCredential.parse(vector.credential))
            #expect(replica.rawValue == vector.replica)
            #expect(DeviceCredential.hashHex(secret) == vector.credentialHashHex)
            #expect(DeviceCredential.revocationProof(replica: replica, credentialHash: DeviceCredential.hash(secret)) == vector.revocationProof)
        }
    }

    @Test("receipt numbers inside a lease, in the lease's spelling only")
    func leases() throws {
        for vector in try Self.load().receiptLeases {
            #expect(PushPlan.isLeased(vector.number, in: [vector.lease]) == vector.leased, "\(vector.number)")
        }
    }
}
