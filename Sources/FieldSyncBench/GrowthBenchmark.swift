import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation

/// How push and pull cost per record grow with the number of records the server holds, and with the
/// length of one record's history. One storage grows through the sizes (seeded through its own
/// `applyPush` in batches of 5,000; see `ServerSeeder`); at each size an in-process server on it takes
/// the same work over loopback HTTP:
/// - push of `--work` new records (batches of 500, one device, as a terminal sends them), then of up to `--work` edits of
///   stored records spread over the whole store;
/// - pull of those changes by a terminal of the station of the new records, from the head before them
///   (µs per record it receives);
/// - pull of the same changes by a terminal of another station that may see few of them, which still
///   has to walk past them (µs per change walked).
///
/// `fieldsync-bench growth [--sizes 10000,100000,1000000] [--work 5000] [--history 10,100,1000] [--backend ...]`
enum GrowthBenchmark {
    static func run(arguments: [String]) async throws -> [SummaryRow] {
        let options = BenchOptions(arguments)
        let sizes = (options.string("--sizes") ?? "10000,100000,1000000").split(separator: ",").compactMap { Int($0) }
        let work = options.int("--work", 5_000)
        let histories = (options.string("--history") ?? "10,100,1000").split(separator: ",").compactMap { Int($0) }
        let backend = try await BenchBackend(options).freshDatabase()
        let directory = try ScratchDirectory("growth")
        defer { directory.remove() }
        // 85 stations, as in the storm: one holds 1/85 of the records.
        let stations = (0..<85).map { UnitID(String(format: "KH.P%02d.S%03d", $0 % 17 + 1, $0 + 1)) }
        let storage = try await backend.open(directory: directory.path)
        print("growth on \(backend.name): sizes \(sizes), \(work) records of work per size, load \(loadAverage())")

        var rows: [SummaryRow] = []
        var seeded = 0
        var round = 0
        for size in sizes {
            let seedStart = ContinuousClock.now
            try await ServerSeeder.seed(storage, seeded..<size, stations: stations, now: TestClock().now)
            print(String(format: "seeded %d -> %d records in %.1f s", seeded, size, seconds(since: seedStart)))
            seeded = size
            let figures = try await measureAtSize(storage: storage, stations: stations, work: work, round: round, stored: seeded)
            round += 1
            print(String(format: "%8d stored: push new %5.1f µs/rec, push edits %5.1f µs/rec, pull own station %5.1f µs/rec, "
                         + "pull past other stations' changes %5.1f µs/change", size, figures.pushNew, figures.pushEdit,
                         figures.pullOwn, figures.pullOther))
            rows.append(SummaryRow(suite: "growth", what: "\(size) stored: push new / edit (µs/rec)",
                                   measured: String(format: "%.1f / %.1f", figures.pushNew, figures.pushEdit),
                                   goal: "edits at 10^6 <= 1.5x 10^5"))
            rows.append(SummaryRow(suite: "growth", what: "\(size) stored: pull own / other station (µs/rec)",
                                   measured: String(format: "%.1f / %.1f", figures.pullOwn, figures.pullOther), goal: "flat"))
        }
        rows += try await historyLength(storage: storage, histories: histories)
        await backend.close(storage)
        await backend.dropFreshDatabase()
        return rows
    }

    struct Figures {
        var pushNew: Double, pushEdit: Double, pullOwn: Double, pullOther: Double, edits: Int
    }

    static func measureAtSize(storage: any SyncStorage, stations: [UnitID], work: Int, round: Int, stored: Int) async throws -> Figures {
        let server = try await ServerBenchmark.inProcessServer(on: storage)
        // A bureau-wide device (scope KH) writes the work, so its edits may reach any stored record.
        let own = try await server.enrollDevice(station: UnitID("KH"), name: "bureau-\(round)")
        let other = try await server.enrollDevice(station: stations[1], name: "other-\(round)")
        let before = String(try await storage.headSequence())
        let factory = RecordFactory(replica: own.replica, station: stations[0], now: server.clock.now)
        let fresh = try (0..<work).map { try factory.patrolSignIn(String(format: "growth-%02d-%07d", round, $0)) }
        let pushNew = try await ServerBenchmark.push(try ServerBenchmark.pushBodies(fresh, batchSize: 500, prefix: "new-\(round)"),
                                                     port: server.port, credential: own.credential)
        // Edits of stored incident reports (every fourth seeded record) spread over the whole store:
        // each is a B-tree lookup by id among all stored records.
        let reports = stored / 4
        let editCount = min(work, reports)
        let edits = try (0..<editCount).map { index -> RecordState in
            let seeded = try ServerSeeder.record(3 + 4 * (index * (reports / editCount)), stations: stations, now: factory.now)
            return try factory.apply([.set("severity", "major")], to: seeded)
        }
        let pushEdit = try await ServerBenchmark.push(try ServerBenchmark.pushBodies(edits, batchSize: 500, prefix: "edit-\(round)"),
                                                      port: server.port, credential: own.credential)
        // Of the changes, the station-0 terminal may see the new records and the edits of its station's
        // reports; the station-1 terminal only the edits of its own station's reports.
        let station0 = try await server.enrollDevice(station: stations[0], name: "station0-\(round)")
        let ownStart = ContinuousClock.now
        _ = try await ServerBenchmark.pull(port: server.port, credential: station0.credential, from: before)
        let pullOwn = seconds(since: ownStart)
        let otherStart = ContinuousClock.now
        _ = try await ServerBenchmark.pull(port: server.port, credential: other.credential, from: before)
        let pullOther = seconds(since: otherStart)
        try await server.stop()
        let changes = Double(work + editCount)
        let visibleToStation0 = Double(work + edits.filter { $0.entries("receivingUnit").first?.value.stringValue == stations[0].rawValue }.count)
        return Figures(pushNew: pushNew * 1e6 / Double(work), pushEdit: pushEdit * 1e6 / Double(editCount),
                       pullOwn: pullOwn * 1e6 / visibleToStation0, pullOther: pullOther * 1e6 / changes, edits: editCount)
    }

    /// One record edited many times: the cost of one more edit (push) and of pulling it, per history length.
    static func historyLength(storage: any SyncStorage, histories: [Int]) async throws -> [SummaryRow] {
        let server = try await ServerBenchmark.inProcessServer(on: storage)
        let station = UnitID("KH.P01.S001")
        let device = try await server.enrollDevice(station: station, name: "history")
        let factory = RecordFactory(enrolled: device, now: server.clock.now)
        var state = try factory.incidentReport("history-case")
        var edits = 0
        var rows: [SummaryRow] = []
        let client = try LoopbackHTTPClient(port: server.port)
        func pushOne(_ batch: String) throws -> Double {
            let json = try WireCoding.encode(SyncRequest(push: PushRequest(batchID: batch, records: [state]), pull: nil))
            let body = Gzip.compress(json) ?? json
            let start = ContinuousClock.now
            let reply = try client.post("/v1/sync", body: body, bearer: device.credential, headers: ServerBenchmark.syncHeaders)
            guard reply.status == 200 else { throw BenchmarkError("push answered \(reply.status)") }
            return seconds(since: start)
        }
        _ = try pushOne("history-0")
        for length in histories {
            while edits < length {
                edits += 1
                state = try factory.apply([.set("narrative", .string("Narrative, revision \(edits)."))], to: state)
                _ = try pushOne("history-\(edits)")
            }
            var pushTimes: [Double] = [], pullTimes: [Double] = []
            for _ in 0..<50 {
                edits += 1
                state = try factory.apply([.set("narrative", .string("Narrative, revision \(edits)."))], to: state)
                let cursor = String(try await storage.headSequence())
                pushTimes.append(try pushOne("history-\(edits)"))
                let start = ContinuousClock.now
                let request = try WireCoding.encode(SyncRequest(push: nil, pull: PullRequest(cursor: cursor, limit: 1_000)))
                let reply = try client.post("/v1/sync", body: Gzip.compress(request) ?? request, bearer: device.credential,
                                            headers: ServerBenchmark.syncHeaders)
                guard reply.status == 200 else { throw BenchmarkError("pull answered \(reply.status)") }
                pullTimes.append(seconds(since: start))
            }
            let push = percentile(pushTimes, 0.5) * 1e6, pull = percentile(pullTimes, 0.5) * 1e6
            print(String(format: "record with %5d edits in its history: one more edit pushed in %.0f µs, pulled in %.0f µs (medians of 50)",
                         length, push, pull))
            rows.append(SummaryRow(suite: "growth", what: "history of \(length) edits: push / pull one edit",
                                   measured: String(format: "%.0f / %.0f µs", push, pull), goal: "flat"))
        }
        try await server.stop()
        return rows
    }
}
