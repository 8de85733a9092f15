import FieldSyncServer
import FieldSyncTesting
import Foundation

/// Which server storage a suite runs on: `--backend sqlite|postgres [--postgres-url URL]`. The seam for
/// the PostgreSQL backend: `open` and `close` are the only places that name a storage class, and
/// `configKeys` is what a `fieldsync server` process is given.
struct BenchBackend: Sendable {
    enum Kind: String, Sendable { case sqlite, postgres }

    var kind: Kind
    var postgresURL: String?
    /// `--sqlite-cache-mb N`: the writer's page cache (the server's default otherwise).
    var sqliteCacheMegabytes: Int
    /// The storage signs audit checkpoints as a configured server does; `--unsigned` measures without.
    var signer: AuditSigner?

    init(_ options: BenchOptions) throws {
        let name = options.string("--backend") ?? Kind.sqlite.rawValue
        guard let kind = Kind(rawValue: name) else { throw BenchmarkError("--backend must be sqlite or postgres, not \(name)") }
        self.kind = kind
        postgresURL = options.string("--postgres-url") ?? ProcessInfo.processInfo.environment["FIELDSYNC_BENCH_POSTGRES_URL"]
        sqliteCacheMegabytes = options.int("--sqlite-cache-mb", SQLiteStorage.defaultWriterCacheMegabytes)
        signer = options.flag("--unsigned") ? nil : try AuditSigner(seed: [UInt8](repeating: 7, count: 32))
        if kind == .postgres && postgresURL == nil { throw BenchmarkError("--backend postgres needs --postgres-url URL") }
    }

    /// Drops the database `freshDatabase` made; nil otherwise.
    private var dropDatabase: (@Sendable () async -> Void)?

    var name: String { kind.rawValue }

    /// PostgreSQL: this backend on a new, empty database made on the server of `--postgres-url` (whose
    /// user may create databases), so that no suite measures on what an earlier one left. SQLite: itself
    /// (each suite opens a new file). The suite drops it with `dropFreshDatabase` when done.
    func freshDatabase() async throws -> BenchBackend {
        guard kind == .postgres, let url = postgresURL else { return self }
        let made = try await TestPostgres.createDatabase(on: url)
        var fresh = self
        fresh.postgresURL = made.url
        fresh.dropDatabase = made.drop
        return fresh
    }

    func dropFreshDatabase() async {
        await dropDatabase?()
    }

    /// A prepared, empty storage. SQLite gets a new file in `directory`; PostgreSQL needs an empty database.
    func open(directory: String) async throws -> any SyncStorage {
        switch kind {
        case .sqlite:
            let storage = try SQLiteStorage(path: directory + "/server.sqlite", writerCacheMegabytes: sqliteCacheMegabytes,
                                            auditSigner: signer)
            try await storage.prepare()
            return storage
        case .postgres:
            // An empty database (`freshDatabase`): the storm and growth figures count what is stored.
            let storage = try PostgresStorage(url: postgresURL ?? "", auditSigner: signer).runningInBackground()
            try await storage.prepare()
            return storage
        }
    }

    /// Releases what `open` acquired. SQLite closes with the last reference.
    func close(_ storage: any SyncStorage) async {
        if let postgres = storage as? PostgresStorage { await postgres.close() }
    }

    /// The `storage` object of a `fieldsync server` configuration file for the storage `open` made.
    func configKeys(directory: String) -> [String: String] {
        switch kind {
        case .sqlite: ["backend": "sqlite", "path": directory + "/server.sqlite"]
        case .postgres: ["backend": "postgres", "postgresURL": postgresURL ?? ""]
        }
    }
}
