import FieldSyncServer
import Foundation

/// The storage backends the tests run against.
public enum TestBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres
    public var description: String { rawValue }
}

/// A fresh, empty storage of one backend for one test, removed by `dispose()`.
public struct TestStorage: Sendable {
    public let backend: TestBackend
    public let storage: any SyncStorage
    /// The PostgreSQL URL of this test's own database (nil for SQLite).
    public let postgresURL: String?
    private let cleanup: @Sendable () async -> Void

    /// A fixed checkpoint key for tests that sign (the seed is public: never use it outside tests).
    public static func testSigner(seed: UInt8 = 7) throws -> AuditSigner {
        try AuditSigner(seed: [UInt8](repeating: seed, count: 32))
    }

    public static func make(_ backend: TestBackend, auditSigner: AuditSigner? = nil) async throws -> TestStorage {
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-storage-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let storage = try SQLiteStorage(path: directory.appendingPathComponent("server.sqlite").path, auditSigner: auditSigner)
            try await storage.prepare()
            return TestStorage(backend: backend, storage: storage, postgresURL: nil) {
                try? FileManager.default.removeItem(at: directory)
            }
        case .postgres:
            let database = try await TestPostgres.createDatabase()
            let storage = try PostgresStorage(url: database.url, maximumConnections: 8, auditSigner: auditSigner).runningInBackground()
            try await storage.prepare()
            return TestStorage(backend: backend, storage: storage, postgresURL: database.url) {
                await storage.close()
                await database.drop()
            }
        }
    }

    public func dispose() async {
        await cleanup()
    }
}

/// The PostgreSQL server of the tests: `FIELDSYNC_TEST_POSTGRES_URL` names a database on it whose user may
/// create databases (`.ci/postgres start` prints one). Each test gets a database of its own.
/// Without the variable the PostgreSQL tests are skipped, with a warning on stderr; with
/// `FIELDSYNC_REQUIRE_POSTGRES=1` (as in CI) they run and fail instead, so CI never skips them.
public enum TestPostgres {
    public static let url = ProcessInfo.processInfo.environment["FIELDSYNC_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    public static let isRequired = ProcessInfo.processInfo.environment["FIELDSYNC_REQUIRE_POSTGRES"] == "1"

    /// Whether the PostgreSQL tests run. Warns loudly (once) when they do not.
    public static let isEnabled: Bool = {
        if url != nil || isRequired { return true }
        FileHandle.standardError.write(Data("""

            ************************************************************************************
            WARNING: PostgreSQL tests SKIPPED: FIELDSYNC_TEST_POSTGRES_URL is not set.
            Run `export FIELDSYNC_TEST_POSTGRES_URL=$(.ci/postgres start)` first (CI always does).
            ************************************************************************************

            """.utf8))
        return false
    }()

    public struct MissingServer: Error, CustomStringConvertible {
        public var description: String {
            "FIELDSYNC_REQUIRE_POSTGRES=1 but FIELDSYNC_TEST_POSTGRES_URL is not set: start one with .ci/postgres start"
        }
    }

    /// Creates an empty database on the test server; `drop` removes it.
    public static func createDatabase() async throws -> (url: String, drop: @Sendable () async -> Void) {
        guard let url else { throw MissingServer() }
        return try await createDatabase(on: url)
    }

    /// Creates an empty database on the server of `url` (whose user may create databases).
    public static func createDatabase(on url: String) async throws -> (url: String, drop: @Sendable () async -> Void) {
        guard var components = URLComponents(string: url) else { throw MissingServer() }
        let name = "fieldsync_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await execute("CREATE DATABASE \(name)", on: url)
        components.path = "/" + name
        let databaseURL = components.string!
        return (databaseURL, {
            try? await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: url)
        })
    }

    /// Runs `sql` (one statement, outside a transaction) on the database of `url`.
    /// Runs `body` on a prepared PostgresStorage over a new, empty database, then closes the storage and
    /// drops the database, whether `body` succeeds or throws.
    package static func withFreshStorage<Result>(options: PostgresStorage.Options = .init(), maximumConnections: Int = 2,
                                                _ body: (PostgresStorage) async throws -> Result) async throws -> Result {
        let database = try await createDatabase()
        let storage: PostgresStorage
        do {
            storage = try PostgresStorage(url: database.url, maximumConnections: maximumConnections, options: options).runningInBackground()
        } catch {
            await database.drop()
            throw error
        }
        do {
            try await storage.prepare()
            let result = try await body(storage)
            await storage.close()
            await database.drop()
            return result
        } catch {
            await storage.close()
            await database.drop()
            throw error
        }
    }

    public static func execute(_ sql: String, on url: String) async throws {
        let admin = try PostgresStorage(url: url, maximumConnections: 1).runningInBackground()
        do {
            try await admin.execute(unsafeSQL: sql)
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }
}
