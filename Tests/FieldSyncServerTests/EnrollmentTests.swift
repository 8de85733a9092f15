import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import GRDB
import Testing

@Suite("Enrollment, authentication and revocation")
struct EnrollmentTests {
    @Test("an enrollment token yields a replica, a credential scoped to its station and a receipt lease")
    func enrollment() async throws {
        let harness = try await Harness()
        let token = try await harness.service.createEnrollmentToken(station: Harness.stationA)
        let response = try await harness.service.enroll(EnrollRequest(token: token.token, deviceName: "KH-T-0042"))
        #expect(response.station == Harness.stationA)
        #expect(response.scopes == [Harness.stationA])
        #expect(response.credential.hasPrefix(response.replica.rawValue + "."))
        #expect(response.lease.prefix == Harness.stationA.rawValue && response.lease.count == 1_000)
        let device = try await harness.service.authenticate(credential: response.credential)
        #expect(device.replica == response.replica)
        // Only a hash of the secret is stored.
        let stored = try await harness.database().read { db in try Data.fetchOne(db, sql: "SELECT credential_hash FROM devices") }.map { [UInt8]($0) }
        #expect(stored?.count == 32)
        #expect(stored == DeviceCredential.hash(DeviceCredential.parse(response.credential)!.secret))
    }

    @Test("a token works once and not after it expires")
    func tokenRules() async throws {
        let harness = try await Harness()
        let token = try await harness.service.createEnrollmentToken(station: Harness.stationA, lifetime: 60_000)
        _ = try await harness.service.enroll(EnrollRequest(token: token.token, deviceName: "first"))
        await #expect(throws: ServerError(.invalidToken, "the enrollment token was already used")) {
            _ = try await harness.service.enroll(EnrollRequest(token: token.token, deviceName: "second"))
        }
        let expiring = try await harness.service.createEnrollmentToken(station: Harness.stationA, lifetime: 60_000)
        harness.clock.advance(milliseconds: 60_000)
        await #expect(throws: ServerError(.invalidToken, "the enrollment token has expired")) {
            _ = try await harness.service.enroll(EnrollRequest(token: expiring.token, deviceName: "late"))
        }
        await #expect(throws: ServerError(.invalidToken, "the enrollment token is not known")) {
            _ = try await harness.service.enroll(EnrollRequest(token: "made-up", deviceName: "guess"))
        }
        #expect(try harness.count("devices") == 1)
    }

    @Test("wrong, malformed and missing credentials are unauthenticated")
    func badCredentials() async throws {
        let harness = try await Harness()
        let (device, credential, _) = try await harness.enroll(Harness.stationA)
        let candidates: [String?] = [nil, "", "no-dot", device.replica.rawValue + ".AAAA",
                                     "t-unknown." + String(credential.split(separator: ".").last!)]
        for bad in candidates {
            do {
                _ = try await harness.service.authenticate(credential: bad)
                Issue.record("credential \(String(describing: bad)) was accepted")
            } catch let error as ServerError {
                #expect(error.code == .unauthenticated)
            }
        }
    }

    @Test("revocation takes effect on the next request and tells the terminal to wipe")
    func revocation() async throws {
        let harness = try await Harness()
        let (device, credential, factory) = try await harness.enroll(Harness.stationA)
        _ = try await harness.push([try factory.patrolSignIn("p1")], from: device)
        let revoked = try await harness.service.revoke(device.replica, reason: "reported stolen")
        #expect(revoked.isRevoked)
        do {
            _ = try await harness.service.authenticate(credential: credential)
            Issue.record("a revoked device was let in")
        } catch let error as ServerError {
            #expect(error.code == .revoked)
            #expect(error.protocolError.wipe)
            #expect(error.status == .unauthorized)
        }
        let kinds = try await harness.storage.auditEntries(after: 0, limit: 100).map(\.draft.kind)
        #expect(kinds.contains(.enrollment) && kinds.contains(.revocation))
    }

    @Test("leases never overlap within a station")
    func leases() async throws {
        let harness = try await Harness()
        let (device, _, _) = try await harness.enroll(Harness.stationA)
        let (other, _, _) = try await harness.enroll(Harness.stationA)
        let first = try await harness.service.lease(for: device).lease
        let second = try await harness.service.lease(for: other).lease
        let all = try await harness.service.leases().map(\.lease)
        #expect(all.count == 4)
        for (index, lease) in all.enumerated() {
            for later in all.dropFirst(index + 1) { #expect(lease.last < later.first || later.last < lease.first) }
        }
        #expect(second.first == first.last + 1)
    }
}
