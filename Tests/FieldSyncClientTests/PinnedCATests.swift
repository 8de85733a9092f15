import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation
import Testing

/// Issue 14, item 16: a terminal trusts its force's own CA (ClientConfig `caFile`) and nothing else.
@Suite("Pinned CA")
struct PinnedCATests {
    @Test("with the pinned CA a terminal enrolls and syncs over HTTPS; pinned to another CA, or on the system bundle, it refuses the server")
    func pinned() async throws {
        let fixture = try await SyncFixture { config in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-pin-\(UUID().uuidString)")
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            config.tlsCertificatePath = directory.appendingPathComponent("cert.pem").path
            config.tlsKeyPath = directory.appendingPathComponent("key.pem").path
            try? TestCertificates.server.write(toFile: config.tlsCertificatePath!, atomically: true, encoding: .utf8)
            try? TestCertificates.serverKey.write(toFile: config.tlsKeyPath!, atomically: true, encoding: .utf8)
        }
        let pinnedCA = fixture.directory.appendingPathComponent("force-ca.pem").path
        let otherCA = fixture.directory.appendingPathComponent("other-ca.pem").path
        try TestCertificates.server.write(toFile: pinnedCA, atomically: true, encoding: .utf8)
        try TestCertificates.unrelatedCA.write(toFile: otherCA, atomically: true, encoding: .utf8)
        let https = URL(string: "https://127.0.0.1:\(fixture.server.port)")!

        let terminal = try await fixture.terminal("a1", station: SyncFixture.stationA,
                                                  transport: HTTPTransport(baseURL: https, timeout: 30, pinnedCA: pinnedCA))
        _ = try terminal.store.createPatrolSignIn(NewPatrolSignIn(officers: [OfficerID("KH1001")], checkpoint: "CP-1",
                                                                  unit: SyncFixture.stationA, signedAt: fixture.server.clock.now,
                                                                  method: .nfc), by: OfficerID("KH1001"))
        let report = try await terminal.sync()
        #expect(report.accepted == 1)

        for (name, transport) in [("another CA", HTTPTransport(baseURL: https, timeout: 30, pinnedCA: otherCA)),
                                  ("the system bundle", HTTPTransport(baseURL: https, timeout: 30))] {
            let credential = try #require(try terminal.store.identity?.credential)
            do {
                _ = try await transport.lease(LeaseRequest(), credential: credential)
                Issue.record("\(name): the server's certificate was trusted")
            } catch {
                #expect(error.code == .unreachable, "\(name): \(error)")
            }
        }
        try await fixture.tearDown()
    }

    @Test("a configured caFile that cannot be read is a configuration error")
    func unreadable() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-pin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("terminal.json").path
        try #"{"serverURL": "https://sync.example", "caFile": "missing-ca.pem"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ClientError.self) { try ClientConfig.load(path: path) }
    }
}
