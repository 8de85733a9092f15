import FieldSyncCore
import FieldSyncServer
import Foundation
import Logging

/// A live FieldSync server on a loopback port with a fresh SQLite file in a temporary directory, an
/// injectable clock and an admin token. For server, client and end-to-end tests and the benchmark.
public final class TestServer: Sendable {
    /// Generated per test process: no usable secret is written in any file.
    public static let adminToken = AdminToken.generate().token

    public let server: RunningServer
    public let directory: URL
    public let clock: TestClock
    public var service: SyncService { server.service }
    public var port: Int { server.port }
    public var baseURL: String { server.baseURL }
    public var databasePath: String { directory.appendingPathComponent("server.sqlite").path }

    private init(server: RunningServer, directory: URL, clock: TestClock) {
        self.server = server
        self.directory = directory
        self.clock = clock
    }

    /// Starts a server. `configure` adjusts the settings (limits, rate limit) before start; `storage`, when
    /// given, is used instead of a new SQLite file (the benchmark's other backends); `registry` is the
    /// record types it accepts.
    public static func start(clock: TestClock = TestClock(), storage: (any SyncStorage)? = nil, registry: SchemaRegistry = .standard,
                             configure: (inout ServerConfig) -> Void = { _ in }) async throws -> TestServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var config = ServerConfig()
        config.port = 0
        config.databasePath = directory.appendingPathComponent("server.sqlite").path
        config.service.adminTokenHash = AdminToken.verifier(of: adminToken)
        config.service.rateLimit = nil
        config.service.unauthenticatedRateLimit = nil
        config.logLevel = .warning
        configure(&config)
        let chosen: any SyncStorage
        if let storage {
            chosen = storage
        } else {
            // Signs audit checkpoints, as a configured server does (with the public test key).
            let sqlite = try SQLiteStorage(path: config.databasePath, auditSigner: try TestStorage.testSigner())
            try await sqlite.prepare()
            chosen = sqlite
        }
        let service = SyncService(storage: chosen, registry: registry, settings: config.service, clock: { clock.now })
        var logger = Logger(label: "fieldsync.test-server")
        logger.logLevel = .warning
        let server = try await RunningServer.start(service: service, config: config, logger: logger)
        return TestServer(server: server, directory: directory, clock: clock)
    }

    public func stop() async throws {
        try await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Creates an enrollment token for `station` and enrolls a device with it, through the service.
    public func enrollDevice(station: UnitID, name: String = "terminal") async throws -> EnrollResponse {
        let token = try await service.createEnrollmentToken(station: station)
        return try await service.enroll(EnrollRequest(token: token.token, deviceName: name))
    }
}
