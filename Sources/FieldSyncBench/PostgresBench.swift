import FieldSyncServer
import FieldSyncTesting
import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL side of the server suite: a fresh database per run, several server nodes on it, and the
/// raw postgres-nio rate of the same rows beside them.
enum PostgresBench {
    /// `count` storages (each its own connection pool, as separate nodes have) on one fresh database.
    static func nodes(_ count: Int, adminURL: String) async throws -> (storages: [PostgresStorage], url: String, drop: @Sendable () async -> Void) {
        let database = try await TestPostgres.createDatabase(on: adminURL)
        let storages = try (0..<count).map { _ in try PostgresStorage(url: database.url, maximumConnections: 8).runningInBackground() }
        for storage in storages { try await storage.prepare() }
        return (storages, database.url, database.drop)
    }

    /// Raw postgres-nio on the same rows in the same database: multi-row `INSERT … SELECT FROM unnest` of
    /// `batch` rows per statement over `connections` connections (one commit per statement, as one push
    /// batch is one transaction), then one ordered select of everything.
    static func raw(rows: [(id: String, json: Data)], url: String, batch: Int, connections: Int) async throws -> (insert: Double, select: Double) {
        let logger = {
            var logger = Logger(label: "fieldsync.bench.raw")
            logger.logLevel = .error
            return logger
        }()
        var configuration = try PostgresStorage.configuration(url: url)
        configuration.options.maximumConnections = connections
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        defer { runner.cancel() }
        try await client.query("CREATE TABLE raw_records (seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, state BYTEA NOT NULL)", logger: logger)
        let chunks = stride(from: 0, to: rows.count, by: batch).map { $0..<min(rows.count, $0 + batch) }
        let insertStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<connections {
                group.addTask {
                    for index in stride(from: lane, to: chunks.count, by: connections) {
                        let range = chunks[index]
                        let sequences = range.map { Int64($0 + 1) }
                        let ids = range.map { rows[$0].id }
                        let states = range.map { ByteBuffer(data: rows[$0].json) }
                        try await client.query("""
                            INSERT INTO raw_records (seq, id, state) SELECT * FROM unnest(\(sequences)::int8[], \(ids)::text[], \(states)::bytea[])
                            """, logger: logger)
                    }
                }
            }
            try await group.waitForAll()
        }
        let insert = Double(rows.count) / seconds(since: insertStart)
        let selectStart = ContinuousClock.now
        var count = 0
        for try await (_, state) in try await client.query("SELECT seq, state FROM raw_records ORDER BY seq", logger: logger)
            .decode((Int64, ByteBuffer).self) {
            count += state.readableBytes > 0 ? 1 : 0
        }
        let select = Double(rows.count) / seconds(since: selectStart)
        guard count == rows.count else { throw BenchmarkError("raw select read \(count) rows of \(rows.count)") }
        return (insert, select)
    }
}
