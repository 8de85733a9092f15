import FieldSyncCore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The scale-out storage backend: any number of stateless server nodes on one PostgreSQL database,
/// through a postgres-nio connection pool. Every protocol step is one transaction.
///
/// The no-skip rule (SPEC §7.4) holds across nodes because change sequences are assigned under the
/// row lock of `sync_head`, taken as the last step before a batch writes and held until it commits:
/// batches commit in the order of their sequences, so a pull's snapshot sees every change up to its
/// head and none after it. Records of a batch are locked first (advisory locks in key order), so two
/// nodes never join the same record from the same stale state.
public final class PostgresStorage: SyncStorage, Service {
    /// How change sequences are assigned. Only `.commitOrdered` is correct; `.unordered` is the naive
    /// design (a database sequence taken early in the transaction), kept so that the concurrency stress
    /// test can show it catches the skipped changes that design produces.
    package enum Sequencing: Sendable {
        case commitOrdered
        case unordered
    }

    package struct Options: Sendable {
        package var sequencing = Sequencing.commitOrdered
        /// Runs after a batch's sequences are assigned and before it commits (tests widen the window there).
        package var beforeCommit: (@Sendable () async -> Void)?
        /// A pull page is read in queries of at most this many rows, so that a page cut by its byte budget
        /// long before its record limit does not send the rows it drops (tests make it small).
        package var pageChunkRows = 1_024
        package init() {}
    }

    let client: PostgresClient
    let logger: Logger
    let options: Options
    /// The longest one storage step may take, lease and retries of one attempt included (see `withDeadline`).
    let timeout: Duration
    /// Signs the audit head at the end of every transaction that appends to the chain; nil signs nothing.
    public let auditSigner: AuditSigner?
    let signedHead = SignedHeadMemory()
    /// Push batches that arrive at this node together share one transaction, one head lock and one commit
    /// (`PushGroupCommit`).
    let pushGroups = PushGroupCommit()
    /// Who runs the pool: nobody yet, a ServiceGroup (`run()`), or a task of this storage's own.
    private let runner = Mutex<Runner>(.idle)
    private enum Runner {
        case idle, group
        case background(Task<Void, Never>)
    }

    /// The oldest database schema this build can run against is 1; a newer one is refused (SPEC §11).
    public static let schemaVersion = PostgresStorage.migrations.count

    private init(configuration: PostgresClient.Configuration, timeout: Duration, logger: Logger, options: Options,
                 auditSigner: AuditSigner?) {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.auditSigner = auditSigner
        self.logger = logger
        self.options = options
        self.timeout = timeout
    }

    /// Connects to the database at `url` (`postgres://user:password@host:port/database?sslmode=...`).
    /// Nothing is sent until the pool runs (`run()` in a ServiceGroup, as `fieldsync server` does, or
    /// `runningInBackground()`) and a first query is made; `prepare()` checks the connection and the schema.
    /// A step that takes longer than `timeout` (database down, stuck or unreachable) fails with
    /// `StorageTimeout`, which the service answers as `unavailable`.
    public convenience init(url: String, maximumConnections: Int = 20, timeout: Duration = .seconds(30),
                            logger: Logger = Logger(label: "fieldsync.postgres"), auditSigner: AuditSigner? = nil) throws {
        try self.init(url: url, maximumConnections: maximumConnections, timeout: timeout, logger: logger, options: Options(),
                      auditSigner: auditSigner)
    }

    package convenience init(url: String, maximumConnections: Int = 20, timeout: Duration = .seconds(30),
                             logger: Logger = Logger(label: "fieldsync.postgres"), options: Options,
                             auditSigner: AuditSigner? = nil) throws {
        var configuration = try Self.configuration(url: url)
        configuration.options.maximumConnections = maximumConnections
        self.init(configuration: configuration, timeout: timeout, logger: logger, options: options, auditSigner: auditSigner)
    }

    /// Runs the connection pool until the ServiceGroup shuts down gracefully or the task is cancelled
    /// (`ServiceLifecycle.Service`): `fieldsync server` runs it in the group of the HTTP server, which then
    /// stops after the server has answered its last request. Queries wait until the pool runs.
    public func run() async {
        let first = runner.withLock { runner in
            guard case .idle = runner else { return false }
            runner = .group
            return true
        }
        if first {
            await client.run()
        } else {
            // Already run by its own task (`runningInBackground`): hold the place until the group ends.
            try? await gracefulShutdown()
        }
    }

    /// Runs the pool in a task of this storage's own, for tools and tests that own no ServiceGroup;
    /// `close()` stops it. Returns the storage.
    @discardableResult
    public func runningInBackground() -> PostgresStorage {
        runner.withLock { runner in
            guard case .idle = runner else { return }
            runner = .background(Task { [client] in await client.run() })
        }
        return self
    }

    /// Stops the pool that `runningInBackground()` started and closes its connections. The storage cannot
    /// be used afterwards. (A pool run by a ServiceGroup stops with the group.)
    public func close() async {
        let task: Task<Void, Never>? = runner.withLock { runner in
            guard case .background(let task) = runner else { return nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    deinit {
        if case .background(let task) = runner.withLock({ $0 }) { task.cancel() }
    }

    /// Parses a libpq-style connection URL. `sslmode` is `disable`, `prefer` (default) or `require`.
    package static func configuration(url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty, let user = components.user, !user.isEmpty else {
            throw ServerConfigError("storage.postgresURL must look like postgres://user:password@host:5432/database")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        default: throw ServerConfigError("storage.postgresURL: sslmode must be disable, prefer or require, not '\(sslMode)'")
        }
        return PostgresClient.Configuration(host: host, port: components.port ?? 5432, username: user,
                                            password: components.password, database: database.isEmpty ? user : database, tls: tls)
    }

    // MARK: Transactions

    /// Runs `body` in one transaction on one pooled connection. A ServerError from `body` comes out as
    /// it is; a serialization failure, deadlock or a race lost on a unique key is retried a few times.
    /// `bounded: false` (migrations, which may rewrite a large table) runs without the request deadline.
    func transaction<Result: Sendable>(readOnly: Bool = false, bounded: Bool = true,
                                       _ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await withConnection(bounded: bounded) { [logger, signedHead] connection in
                    try await connection.query(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN",
                                               logger: logger)
                    do {
                        let signed = PendingSignedHead()
                        let result = try await PendingSignedHead.$current.withValue(signed) { try await body(connection) }
                        try await connection.query("COMMIT", logger: logger)
                        if let head = signed.value { signedHead.confirm(head) }
                        return result
                    } catch {
                        // A lost connection took its transaction with it, and a query sent on it now may never
                        // be answered (postgres-nio 1.33 leaves a ROLLBACK queued behind a reset connection
                        // pending forever: PostgresFaultTests.restartUnderLoad hung there). Otherwise roll
                        // back; a failed ROLLBACK means the connection is broken and the pool drops it.
                        if !Self.isConnectionLoss(error) && !connection.isClosed {
                            _ = try? await connection.query("ROLLBACK", logger: logger)
                        }
                        throw error
                    }
                }
            } catch where attempt < 8 && Self.isRetryable(error) {
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
            }
        }
    }

    /// Runs `body` on a pooled connection within `timeout`. On a timeout the connection is closed, so that
    /// a query stuck on it (see `transaction`) fails and the pool replaces the connection.
    func withConnection<Result: Sendable>(bounded: Bool = true,
                                          _ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        guard bounded else { return try await client.withConnection { connection in try await body(connection) } }
        let leased = LeasedConnection()
        return try await withDeadline(timeout, onTimeout: { leased.close() }) { [client] in
            try await client.withConnection { connection in
                leased.connection.withLock { $0 = connection }
                return try await body(connection)
            }
        }
    }

    private final class LeasedConnection: Sendable {
        let connection = Mutex<PostgresConnection?>(nil)

        func close() {
            guard let connection = connection.withLock({ $0 }) else { return }
            Task { try? await connection.close() }
        }
    }

    /// Another transaction got there first; running the step again gives the right answer.
    struct LostRace: Error {}

    /// Whether `error` says the connection itself is gone (a crash or restart of the database, a network fault).
    static func isConnectionLoss(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        return [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown].contains(error.code)
    }

    static func isRetryable(_ error: any Error) -> Bool {
        if error is LostRace { return true }
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        // serialization_failure, deadlock_detected, unique_violation
        return ["40001", "40P01", "23505"].contains(state)
    }

    // MARK: Schema

    public func prepare() async throws {
        // Lets the pool's run task start before the first lease (else postgres-nio logs a warning).
        await Task.yield()
        try await transaction(bounded: false) { [self] connection in
            // One node migrates at a time; the others wait and then find nothing to do.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS fieldsync_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = 0
            for version in try await fetch("SELECT COALESCE(MAX(version), 0) FROM fieldsync_migrations", as: Int.self, on: connection) {
                applied = version
            }
            guard applied <= Self.migrations.count else {
                throw ServerConfigError("the PostgreSQL database has schema version \(applied), newer than this build's \(Self.migrations.count); run a newer fieldsync")
            }
            for (index, migration) in Self.migrations.enumerated() where index + 1 > applied {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await migration.fill?(self, connection)
                try await connection.query("INSERT INTO fieldsync_migrations (version, name) VALUES (\(index + 1), \(migration.name))",
                                           logger: logger)
            }
        }
    }

    static let migrationLockKey: Int64 = 0x6669_656C_6473_796E // "fieldsyn"
}

extension PostgresStorage {
    /// The URL without its password, for messages and logs.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "postgres://***"
    }
}

extension PostgresStorage {
    /// Every row of `query`, decoded as `type`.
    func fetch<each Column: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: (repeat each Column).Type,
                                               on connection: PostgresConnection) async throws -> [(repeat each Column)] {
        let rows = try await connection.query(query, logger: logger)
        var decoded: [(repeat each Column)] = []
        for try await row in rows.decode(type) {
            decoded.append(row)
        }
        return decoded
    }

    /// Every row of `query`, undecoded (for counting what a statement returned).
    func fetchRows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRow] {
        try await connection.query(query, logger: logger).collect()
    }
}

extension PostgresStorage {
    /// The rows of a query of one text column: for tests that compare stored content.
    package func textRows(_ sql: String) async throws -> [String] {
        try await withConnection { [self] connection in
            try await fetch(PostgresQuery(unsafeSQL: sql), as: String.self, on: connection)
        }
    }

    /// Runs one statement outside a transaction (CREATE DATABASE and the like): for tools and tests.
    package func execute(unsafeSQL sql: String) async throws {
        try await client.withConnection { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }
}
