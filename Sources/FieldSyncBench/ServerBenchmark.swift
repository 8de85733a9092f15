import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import GRDB

/// Push ingest and pull throughput of a real server over loopback HTTP, each beside the raw GRDB
/// insert and select rate of the same rows measured in the same run on the same machine.
///
/// `fieldsync-bench server [--records 100000] [--batch 500] [--connections 4]`
enum ServerBenchmark {
    static func run(arguments: [String]) async throws {
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else { return fallback }
            return value
        }
        let total = option("--records", 100_000)
        let batchSize = option("--batch", 500)
        let connections = option("--connections", 4)

        let server = try await TestServer.start { config in
            config.service.rateLimit = nil
            config.logLevel = .error
        }
        let station = UnitID("KH.P03.S012")
        let enrolled = try await server.enrollDevice(station: station, name: "bench")
        let factory = RecordFactory(replica: enrolled.replica, station: station, now: server.clock.now)
        print("preparing \(total) incident reports in batches of \(batchSize)...")
        let records = try (0..<total).map { index in
            try factory.incidentReport(String(format: "bench-%08d", index), receipt: String(format: "KH.P03.S012-%07d", index))
        }
        let encoder = JSONEncoder()
        let bodies = try stride(from: 0, to: total, by: batchSize).map { start in
            try encoder.encode(PushRequest(batchID: "bench-\(start)", records: Array(records[start..<min(total, start + batchSize)])))
        }
        let rows = try records.map { (id: $0.id.rawValue, json: try encoder.encode($0)) }
        print("typical record: \(rows[0].json.count) bytes of JSON")

        // Push: `connections` clients on their own threads, each sending its share of the batches in order.
        let port = server.port
        let credential = enrolled.credential
        let pushStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<connections {
                group.addTask {
                    try await onThread {
                        let client = try LoopbackHTTPClient(port: port)
                        for index in stride(from: lane, to: bodies.count, by: connections) {
                            let reply = try client.post("/v1/push", body: bodies[index], bearer: credential)
                            guard reply.status == 200 else { throw BenchmarkError("push answered \(reply.status)") }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let pushSeconds = seconds(since: pushStart)

        // Pull: one client following the cursor in pages of 1,000 (records are not decoded client-side).
        let pullStart = ContinuousClock.now
        let pulledBytes = try await onThread {
            let client = try LoopbackHTTPClient(port: port)
            var cursor: String?
            var bytes = 0
            while true {
                let request = try JSONEncoder().encode(PullRequest(cursor: cursor, limit: 1_000))
                let reply = try client.post("/v1/pull", body: request, bearer: credential)
                guard reply.status == 200 else { throw BenchmarkError("pull answered \(reply.status)") }
                bytes += reply.body.count
                let tail = try JSONDecoder().decode(PageTail.self, from: tailObject(of: reply.body))
                cursor = tail.cursor
                if !tail.hasMore { return bytes }
            }
        }
        let pullSeconds = seconds(since: pullStart)
        let head = try await server.service.storage.headSequence()
        try await server.stop()
        guard head == UInt64(total) else { throw BenchmarkError("server holds \(head) changes, expected \(total)") }

        // Raw GRDB on the same rows: 1,000 per transaction, then one ordered select.
        let raw = try rawGRDB(rows: rows)
        print("")
        print(String(format: "push ingest: %8.0f records/s  (%d records, %d-record batches, %d connections, %.2f s)",
                     Double(total) / pushSeconds, total, batchSize, connections, pushSeconds))
        print(String(format: "  raw GRDB insert of the same rows: %8.0f rows/s  (ratio %.2f)", raw.insert, Double(total) / pushSeconds / raw.insert))
        print(String(format: "pull:        %8.0f records/s  (%d records in pages of 1000, %.1f MB, %.2f s)",
                     Double(total) / pullSeconds, total, Double(pulledBytes) / 1e6, pullSeconds))
        print(String(format: "  raw GRDB select of the same rows: %8.0f rows/s  (ratio %.2f)", raw.select, Double(total) / pullSeconds / raw.select))
    }

    private struct PageTail: Decodable {
        var cursor: String
        var hasMore: Bool
    }

    /// The page's closing `"cursor":...}` members as a JSON object, without parsing the records.
    private static func tailObject(of body: Data) throws -> Data {
        guard let range = body.range(of: Data("],\"cursor\":".utf8), options: .backwards) else {
            throw BenchmarkError("a pull page without a cursor")
        }
        return Data("{".utf8) + body[body.index(range.lowerBound, offsetBy: 2)...]
    }

    private static func rawGRDB(rows: [(id: String, json: Data)]) throws -> (insert: Double, select: Double) {
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

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
