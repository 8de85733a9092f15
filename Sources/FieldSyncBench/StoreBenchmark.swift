import FieldSyncCore
import FieldSyncStore
import Foundation
import GRDB

/// Terminal store figures on a real file (run in release mode):
/// local write latency p50/p99, 10,000 records created offline, and pulled pages of 1,000 records
/// joined and stored. Raw GRDB figures of the same shapes are measured in the same run, because the
/// machine is shared and noisy: compare ratios, not absolutes.
///
/// Arguments: `--records N` (default 10000), `--page N` (default 1000), `--dir PATH` (default: a new
/// temporary directory, removed afterwards).
enum StoreBenchmark {
    static func run(arguments: [String]) throws -> [SummaryRow] {
        func option(_ name: String, _ fallback: Int) -> Int {
            arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) : nil } ?? fallback
        }
        let recordCount = option("--records", 10_000)
        let pageSize = option("--page", 1_000)
        let ownDirectory = arguments.firstIndex(of: "--dir").map { arguments[$0 + 1] } == nil
        let directory = arguments.firstIndex(of: "--dir").map { arguments[$0 + 1] }
            ?? NSTemporaryDirectory() + "fieldsync-store-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if ownDirectory { try? FileManager.default.removeItem(atPath: directory) } }

        print("FieldSyncStore benchmark: \(recordCount) records, pages of \(pageSize), in \(directory)")
        let store = try TerminalStore(path: directory + "/bench.sqlite", access: .create(officer: OfficerID("A12345"), passphrase: "bench"),
                                      keys: StoreKeys(cost: .fast))
        try store.saveEnrollment(EnrollResponse(
            replica: ReplicaID("T-BENCH-1"), credential: "bench", station: UnitID("KH.P03.S012"),
            scopes: [UnitID("KH.P03.S012")], lease: ReceiptLease(prefix: "KH.P03.S012", first: 1, last: 10_000_000),
            serverTime: WallClock.milliseconds(Date())))
        let officer = OfficerID("A12345")

        // 1. Creating records offline, one transaction each (what an officer's taps do).
        var createLatencies: [Double] = []
        createLatencies.reserveCapacity(recordCount)
        var ids: [RecordID] = []
        let createStart = ContinuousClock.now
        for index in 0..<recordCount {
            let start = ContinuousClock.now
            let record = try store.createHouseholdVisit(visit(index), by: officer)
            createLatencies.append(milliseconds(ContinuousClock.now - start))
            ids.append(record.id)
        }
        let createTotal = seconds(since: createStart)
        print(String(format: "create %d records offline: %.2f s (%.0f records/s; goal <= 2 s)", recordCount, createTotal,
                     Double(recordCount) / createTotal))
        report("  create latency", createLatencies)

        // 2. Local edits of existing records: read, validate, join context, seal, store.
        var editLatencies: [Double] = []
        for index in 0..<min(2_000, recordCount) {
            let start = ContinuousClock.now
            switch index % 3 {
            case 0: try store.edit(ids[index], [.set("outcome", "met")], by: officer)
            case 1: try store.addNote(to: ids[index], "note \(index)", by: officer)
            default: try store.addElement("revisit", to: "followUps", of: ids[index], by: officer)
            }
            editLatencies.append(milliseconds(ContinuousClock.now - start))
        }
        report("local write (edit/note/set) latency", editLatencies)
        let latency = report("local write (all kinds) latency", createLatencies + editLatencies)

        // 3. Pulled pages: new records from a peer, then a peer's edits of records we hold (real joins).
        let peer = ReplicaID("T-BENCH-2")
        let schema = RecordSchema.householdVisit
        let wall = WallClock.milliseconds(Date())
        var insertRates: [Double] = []
        for pageIndex in 0..<5 {
            let states = try (0..<pageSize).map { index in
                try schema.create(id: RecordID("peer-\(pageIndex)-\(index)"), visit(index).operations,
                                  origin: WriteOrigin(replica: peer, author: officer, stamp: HLCTimestamp(wall: wall)))
            }
            let page = PullPage(records: states, cursor: "c-new-\(pageIndex)", hasMore: true, serverTime: wall)
            let start = ContinuousClock.now
            let applied: AppliedPage = try store.apply(page: page)
            insertRates.append(Double(applied.inserted.count) / seconds(ContinuousClock.now - start))
        }
        print(String(format: "apply page of %d new records: median %.0f records/s (min %.0f; goal >= 50,000)",
                     pageSize, median(insertRates), insertRates.min()!))

        var joinRates: [Double] = []
        let held = try store.pendingPush(limit: 5 * pageSize)
        for pageIndex in 0..<min(5, held.count / pageSize) {
            let states = try held[(pageIndex * pageSize)..<((pageIndex + 1) * pageSize)].map { state in
                try schema.apply([.append("notes", "peer note")], to: state,
                                 origin: WriteOrigin(replica: peer, author: officer, stamp: HLCTimestamp(wall: wall + 1)))
            }
            let page = PullPage(records: states, cursor: "c-join-\(pageIndex)", hasMore: true, serverTime: wall)
            let start = ContinuousClock.now
            let applied: AppliedPage = try store.apply(page: page)
            joinRates.append(Double(applied.updated.count) / seconds(ContinuousClock.now - start))
        }
        if !joinRates.isEmpty {
            print(String(format: "apply page of %d edits to held records (join): median %.0f records/s (min %.0f; goal >= 50,000)",
                         pageSize, median(joinRates), joinRates.min()!))
        }
        try store.close()

        let raw = try rawBaseline(directory: directory, count: recordCount, pageSize: pageSize)
        return [
            SummaryRow(suite: "store", what: "local write latency p50 / p99 / p999",
                       measured: String(format: "%.2f / %.2f / %.2f ms", latency.p50, latency.p99, latency.p999),
                       raw: String(format: "p99 %.2f ms (1-row tx)", raw.p99), goal: "p99 <= 2 ms"),
            SummaryRow(suite: "store", what: "\(recordCount) records created offline", measured: String(format: "%.2f s", createTotal),
                       raw: String(format: "%.2f s (1-row tx)", raw.seconds), ratio: raw.seconds / createTotal, goal: "<= 2 s"),
            SummaryRow(suite: "store", what: "pulled page of \(pageSize) new records applied",
                       measured: String(format: "%.0f rec/s", median(insertRates)),
                       raw: String(format: "%.0f rows/s", raw.pageRows), ratio: median(insertRates) / raw.pageRows, goal: ">= 50,000/s"),
            SummaryRow(suite: "store", what: "pulled page of \(pageSize) edits joined",
                       measured: joinRates.isEmpty ? "-" : String(format: "%.0f rec/s", median(joinRates)),
                       raw: String(format: "%.0f rows/s", raw.pageRows), ratio: joinRates.isEmpty ? nil : median(joinRates) / raw.pageRows,
                       goal: ">= 50,000/s"),
        ]
    }

    /// The same shapes through GRDB alone: one-row transactions and one page-sized transaction of
    /// JSON blobs of the size the store writes.
    static func rawBaseline(directory: String, count: Int, pageSize: Int) throws -> (p99: Double, seconds: Double, pageRows: Double) {
        var configuration = Configuration()
        configuration.prepareDatabase { try $0.execute(sql: "PRAGMA synchronous = NORMAL") }
        let pool = try DatabasePool(path: directory + "/raw.sqlite", configuration: configuration)
        try pool.write { try $0.execute(sql: "CREATE TABLE raw (id TEXT PRIMARY KEY, body BLOB NOT NULL)") }
        let state = try RecordSchema.householdVisit.create(id: RecordID("raw"), visit(0).operations, origin: WriteOrigin(
            replica: ReplicaID("T-RAW"), author: OfficerID("A12345"), stamp: HLCTimestamp(wall: 1_763_884_800_000)))
        let body = try JSONEncoder().encode(state)
        var latencies: [Double] = []
        let start = ContinuousClock.now
        for index in 0..<count {
            let one = ContinuousClock.now
            try pool.write { try $0.execute(sql: "INSERT INTO raw VALUES (?, ?)", arguments: ["r\(index)", body]) }
            latencies.append(milliseconds(ContinuousClock.now - one))
        }
        let oneRowSeconds = seconds(since: start)
        print(String(format: "raw GRDB: %d one-row transactions (%d-byte JSON): %.2f s", count, body.count, oneRowSeconds))
        let rawLatency = report("  raw one-row transaction latency", latencies)
        let pageStart = ContinuousClock.now
        try pool.write { db in
            for index in 0..<pageSize {
                try db.execute(sql: "INSERT INTO raw VALUES (?, ?)", arguments: ["p\(index)", body])
            }
        }
        let pageRows = Double(pageSize) / seconds(since: pageStart)
        print(String(format: "raw GRDB: %d rows in one transaction: %.0f rows/s", pageSize, pageRows))
        let encodeStart = ContinuousClock.now
        for _ in 0..<pageSize { _ = try JSONEncoder().encode(state) }
        let encoded = Double(pageSize) / seconds(ContinuousClock.now - encodeStart)
        let decodeStart = ContinuousClock.now
        for _ in 0..<pageSize { _ = try JSONDecoder().decode(RecordState.self, from: body) }
        print(String(format: "JSON of one record state: encode %.0f/s, decode %.0f/s", encoded,
                     Double(pageSize) / seconds(ContinuousClock.now - decodeStart)))
        try pool.close()
        return (rawLatency.p99, oneRowSeconds, pageRows)
    }

    static func visit(_ index: Int) -> NewHouseholdVisit {
        NewHouseholdVisit(beat: UnitID("KH.P03.S012.B\(String(format: "%04d", index % 40))"), household: "H-\(index)",
                          officer: OfficerID("A12345"), subjectCategory: "elderlyAlone", visitKind: "care",
                          visitedAt: 1_763_884_000_000 + Int64(index), outcome: "met", riskLevel: 1,
                          subjectName: "王小明", subjectNationalID: "A123456789", subjectPhone: "0912-345-678")
    }

    @discardableResult
    static func report(_ label: String, _ samples: [Double]) -> (p50: Double, p99: Double, p999: Double) {
        let figures = (p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), p999: percentile(samples, 0.999))
        print(label + String(format: ": p50 %.3f ms, p99 %.3f ms, p999 %.3f ms, max %.3f ms (n=%d; goal p99 <= 2 ms)",
                             figures.p50, figures.p99, figures.p999, samples.max() ?? 0, samples.count))
        return figures
    }

    static func median(_ values: [Double]) -> Double { percentile(values, 0.5) }
    static func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1_000 }
}
