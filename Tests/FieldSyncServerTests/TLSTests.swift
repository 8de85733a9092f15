import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import HummingbirdTesting
import NIOCore
import NIOSSL
import Testing

@Suite("TLS")
struct TLSTests {
    static let certificate = TestCertificates.server
    static let key = TestCertificates.serverKey

    @Test("with a certificate and key configured, the server speaks HTTPS on its port")
    func https() async throws {
        let harness = try await Harness()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificatePath = directory.appendingPathComponent("cert.pem").path
        let keyPath = directory.appendingPathComponent("key.pem").path
        try Self.certificate.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        try Self.key.write(toFile: keyPath, atomically: true, encoding: .utf8)
        var config = ServerConfig()
        config.port = 0
        config.tlsCertificatePath = certificatePath
        config.tlsKeyPath = keyPath
        let server = try await RunningServer.start(service: harness.service, config: config)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(Self.certificate.utf8)))
        do {
            let status = try await TestClient.withClient(host: "localhost", port: server.port,
                                                         configuration: .init(tlsConfiguration: tls, serverName: "localhost")) { client in
                try await client.get("/health").status
            }
            #expect(status == .ok)
            // Plain HTTP to the TLS port gets no HTTP answer.
            let plain = try? await TestClient.withClient(host: "127.0.0.1", port: server.port,
                                                         configuration: .init(timeout: .seconds(2))) { client in
                try await client.get("/health").status
            }
            #expect(plain == nil)
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test("an unreadable certificate is a configuration error at start, not a silent plain-HTTP server")
    func badCertificate() async throws {
        let harness = try await Harness()
        var config = ServerConfig()
        config.tlsCertificatePath = "/nonexistent/cert.pem"
        config.tlsKeyPath = "/nonexistent/key.pem"
        #expect(throws: ServerConfigError.self) { _ = try buildApplication(service: harness.service, config: config) }
    }
}
