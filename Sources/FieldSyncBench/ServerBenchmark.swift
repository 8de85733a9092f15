import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import GRDB

/// Push ingest and pull throughput of a real server over loopback HTTP, each beside the raw GRDB
/// insert and select rate of the same rows measured in the same run on the same machine.
///
/// `fieldsync-bench server [--records 100000] [--batch 500] [--connections 4] [--backend sqlite|postgres]`: one enrolled device per
/// connection (the server applies one push of a device at a time).
enum ServerBenchmark {
    static func run(arguments: [String]) async throws -> [SummaryRow] {
        let options = BenchOptions(arguments)
        let total = options.int("--records", 100_000)
        let batchSize = options.int("--batch", 500)
        let connections = options.int("--connections", 4)
        let backend = try BenchBackend(options)
        let directory = try ScratchDirectory("server")
        defer { directory.remove() }

        // PostgreSQL: `--nodes N` servers (each its own pool, as separate nodes have) on one fresh database.
        let nodeCount = backend.kind == .postgres ? max(1, options.int("--nodes", 1)) : 1
        var storages: [any SyncStorage] = []
        var postgres: (url: String, drop: @Sendable () async -> Void)?
        if backend.kind == .postgres, let adminURL = backend.postgresURL {
            let opened = try await PostgresBench.nodes(nodeCount, adminURL: adminURL)
            storages = opened.storages
            postgres = (opened.url, opened.drop)
        } else {
            storages = [try await backend.open(directory: directory.path)]
        }
        var servers: [TestServer] = []
        for storage in storages { servers.append(try await ServerBenchmark.inProcessServer(on: storage)) }
        let server = servers[0]
        let station = UnitID("KH.P03.S012")
        // One device per connection, as terminals are: the server applies one push of a device at a time.
        var devices: [EnrollResponse] = []
        for lane in 0..<connections { devices.append(try await server.enrollDevice(station: station, name: "bench-\(lane)")) }
        // Receipt numbers from each device's lease (the server accepts no other), sized for the run.
        let factories = devices.map { RecordFactory(enrolled: $0, now: server.clock.now) }
        print("preparing \(total) incident reports in batches of \(batchSize) from \(connections) devices (\(backend.name), \(nodeCount) node(s), load \(loadAverage()))...")
        // Batch b is device b % connections's.
        let records = try (0..<total).map { index in
            try factories[(index / batchSize) % connections].incidentReport(String(format: "bench-%08d", index))
        }
        let bodies = try pushBodies(records, batchSize: batchSize, prefix: "bench")
        let lanes = (0..<connections).map { lane in
            (credential: devices[lane].credential, bodies: stride(from: lane, to: bodies.count, by: connections).map { bodies[$0] })
        }
        let rows = records.map { (id: $0.id.rawValue, json: RecordStateJSON.encode($0)) }
        print("typical record: \(rows[0].json.count) bytes of JSON")

        let pushSeconds = try await push(lanes: lanes, ports: servers.map(\.port))
        let enrolled = devices[0]
        let pullStart = ContinuousClock.now
        let pulled = try await pull(port: server.port, credential: enrolled.credential)
        let pullSeconds = seconds(since: pullStart)
        let head = try await server.service.storage.headSequence()
        for node in servers { try await node.stop() }
        for storage in storages { await backend.close(storage) }
        guard head == UInt64(total) else { throw BenchmarkError("server holds \(head) changes, expected \(total)") }

        let raw: (insert: Double, select: Double)
        let rawName: String
        if let postgres {
            raw = try await PostgresBench.raw(rows: rows, url: postgres.url, batch: batchSize, connections: connections)
            rawName = "postgres-nio multi-row INSERT"
            await postgres.drop()
        } else {
            raw = try rawGRDB(rows: rows)
            rawName = "GRDB insert"
        }
        let backendName = nodeCount > 1 ? "\(backend.name), \(nodeCount) nodes" : backend.name
        let pushRate = Double(total) / pushSeconds, pullRate = Double(total) / pullSeconds
        print("")
        print(String(format: "push ingest: %8.0f records/s  (%d records, %d-record batches, %d connections, %.2f s)",
                     pushRate, total, batchSize, connections, pushSeconds))
        print("  raw \(rawName) of the same rows: " + String(format: "%8.0f rows/s  (ratio %.2f)", raw.insert, pushRate / raw.insert))
        print(String(format: "pull:        %8.0f records/s  (%d records in %d pages, %.1f MB gzip'd, %.2f s)",
                     pullRate, total, pulled.pages, Double(pulled.bytes) / 1e6, pullSeconds))
        print(String(format: "  raw select of the same rows: %8.0f rows/s  (ratio %.2f)", raw.select, pullRate / raw.select))
        return [
            SummaryRow(suite: "server", what: "push ingest through /v1/sync, \(backendName), loopback HTTP", measured: String(format: "%.0f rec/s", pushRate),
                       raw: rawName + String(format: " %.0f rows/s", raw.insert), ratio: pushRate / raw.insert,
                       goal: backend.kind == .postgres ? ">= 20,000/s (1 node)" : ">= 30,000/s"),
            SummaryRow(suite: "server", what: "pull through /v1/sync, \(backendName), loopback HTTP", measured: String(format: "%.0f rec/s", pullRate),
                       raw: String(format: "select %.0f rows/s", raw.select), ratio: pullRate / raw.select,
                       goal: backend.kind == .postgres ? ">= 100,000/s" : ">= 150,000/s"),
        ]
    }

    /// A server in this process on `storage`, without a rate limit (one device sends everything).
    static func inProcessServer(on storage: any SyncStorage) async throws -> TestServer {
        try await TestServer.start(storage: storage) { config in
            config.service.rateLimit = nil
            // One lease covers every incident report a benchmark device pushes.
            config.service.leaseSize = 10_000_000
            // One benchmark device pushes what a whole city would: no per-device byte budget.
            config.service.pushByteBudget = nil
            config.logLevel = .error
        }
    }

    /// `/v1/sync` request bodies (a push of `batchSize` records, no pull), gzip'd as `HTTPTransport` sends
    /// them: encoded and compressed once, before anything is timed.
    static func pushBodies(_ records: [RecordState], batchSize: Int, prefix: String) throws -> [Data] {
        try stride(from: 0, to: records.count, by: batchSize).map { start in
            let push = PushRequest(batchID: "\(prefix)-\(start)", records: Array(records[start..<min(records.count, start + batchSize)]))
            let json = try WireCoding.encode(SyncRequest(push: push, pull: nil))
            return Gzip.compress(json) ?? json
        }
    }

    /// What terminals send with every `/v1/sync` request (`HTTPTransport`).
    static let syncHeaders = ["Content-Encoding: gzip", "Accept-Encoding: gzip"]

    /// A pull-only `/v1/sync` body from `cursor`, gzip'd, with the page a terminal asks for (10,000
    /// records, 4 MiB).
    static func pullBody(from cursor: String?) throws -> Data {
        let json = try WireCoding.encode(SyncRequest(push: nil, pull: PullRequest(cursor: cursor, limit: 10_000, maxBytes: 4 << 20)))
        return Gzip.compress(json) ?? json
    }

    /// Sends `bodies` to /v1/sync in order over one keep-alive connection, as one device does (the server
    /// applies one push of a device at a time); returns the seconds it took.
    static func push(_ bodies: [Data], port: Int, credential: String) async throws -> Double {
        try await push(lanes: [(credential, bodies)], ports: [port])
    }

    /// Each lane (a device's credential and its bodies) over its own keep-alive connection on its own
    /// thread, in order; lane `i` sends to `ports[i % ports.count]` (several server nodes). Returns the
    /// seconds until every lane was answered.
    static func push(lanes: [(credential: String, bodies: [Data])], ports: [Int]) async throws -> Double {
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, lane) in lanes.enumerated() {
                group.addTask {
                    try await onThread {
                        let client = try LoopbackHTTPClient(port: ports[index % ports.count])
                        for body in lane.bodies {
                            let reply = try client.post("/v1/sync", body: body, bearer: lane.credential, headers: syncHeaders)
                            guard reply.status == 200 else {
                                throw BenchmarkError("push answered \(reply.status): \(String(decoding: reply.body.prefix(200), as: UTF8.self))")
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return seconds(since: start)
    }

    /// Follows the pull cursor from `cursor` through `/v1/sync` as a terminal does (pull-only requests,
    /// gzip both ways, pages of up to 10,000 records and 4 MiB) until caught up; the answers are
    /// decompressed but their records not decoded. Returns the bytes received (compressed), the pages and
    /// the last cursor.
    static func pull(port: Int, credential: String, from cursor: String? = nil) async throws -> (bytes: Int, pages: Int, cursor: String?) {
        try await onThread {
            let client = try LoopbackHTTPClient(port: port)
            var cursor = cursor
            var bytes = 0
            var pages = 0
            while true {
                let reply = try client.post("/v1/sync", body: try pullBody(from: cursor), bearer: credential, headers: syncHeaders)
                guard reply.status == 200 else { throw BenchmarkError("pull answered \(reply.status)") }
                bytes += reply.body.count
                pages += 1
                let answer = reply.headers["content-encoding"] == "gzip" ? (Gzip.decompress(reply.body) ?? reply.body) : reply.body
                guard let tail = StormLoadBenchmark.AnswerSummary(answer) else {
                    throw BenchmarkError("an answer to /v1/sync does not read: \(String(decoding: answer.prefix(200), as: UTF8.self))")
                }
                cursor = tail.cursor
                if !tail.hasMore { return (bytes, pages, cursor) }
            }
        }
    }

    /// Raw GRDB on the same rows: 1,000 per transaction, then one ordered select.
    static func rawGRDB(rows: [(id: String, json: Data)]) throws -> (insert: Double, select: Double) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-raw-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.write { db in
            try db.execute(sql: "CREATE TABLE records (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, state BLOB NOT NULL)")
        }
        let insertStart = ContinuousClock.now
        for start in stride(from: 0, to: rows.count, by: 1_000) {
            try pool.write { db in
                let statement = try db.cachedStatement(sql: "INSERT INTO records (id, state) VALUES (?, ?)")
                for row in rows[start..<min(rows.count, start + 1_000)] {
                    try statement.execute(arguments: [row.id, row.json])
                }
            }
        }
        let insert = Double(rows.count) / seconds(since: insertStart)
        let selectStart = ContinuousClock.now
        let count = try pool.read { db in
            var count = 0
            let cursor = try Row.fetchCursor(db, sql: "SELECT seq, state FROM records ORDER BY seq")
            while let row = try cursor.next() {
                let state: Data = row[1]
                count += state.isEmpty ? 0 : 1
            }
            return count
        }
        precondition(count == rows.count)
        return (insert, Double(rows.count) / seconds(since: selectStart))
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
