import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation

/// A terminal syncing with a `fieldsync server` process over real HTTP (URLSession): a terminal that
/// worked offline pushes its records, and a fresh terminal receives its station's whole history.
/// The server runs apart so that this process's memory is the terminal's alone.
///
/// `fieldsync-bench terminal [--offline 10000] [--initial 100000] [--server PATH] [--backend sqlite|postgres]`
enum TerminalSyncBenchmark {
    static func run(arguments: [String]) async throws -> [SummaryRow] {
        let options = BenchOptions(arguments)
        let offline = options.int("--offline", 10_000)
        let initial = options.int("--initial", 100_000)
        let backend = try await BenchBackend(options).freshDatabase()
        let directory = try ScratchDirectory("terminal")
        defer { directory.remove() }
        let busyStation = UnitID("KH.P03.S012"), quietStation = UnitID("KH.P03.S013")
        print("terminal sync: \(offline) offline records pushed; initial sync of \(initial) records (\(backend.name), load \(loadAverage()))")

        // The server's history: `initial` records of the busy station, stored before the server starts.
        let storage = try await backend.open(directory: directory.path)
        let service = SyncService(storage: storage)
        func enroll(_ station: UnitID, _ name: String) async throws -> EnrollResponse {
            let token = try await service.createEnrollmentToken(station: station)
            return try await service.enroll(EnrollRequest(token: token.token, deviceName: name))
        }
        let worker = try await enroll(quietStation, "offline-worker"), fresh = try await enroll(busyStation, "fresh")
        try await ServerSeeder.seed(storage, 0..<initial, stations: [busyStation], now: service.now)
        await backend.close(storage)
        let configPath = directory.path + "/server.json"
        try StormBenchmark.writeServerConfig(to: configPath, storage: backend.configKeys(directory: directory.path))
        let server = try MeasuredServer(binary: options.string("--server") ?? StormBenchmark.siblingExecutable("fieldsync"),
                                       configPath: configPath)
        defer { _ = server.stop() }
        let transport = HTTPTransport(baseURL: URL(string: "http://127.0.0.1:\(server.port)")!, timeout: 120)

        // 1. A terminal that wrote `offline` records offline syncs: push batches of 500, then pulls its own back.
        let workerStore = try TerminalStore(path: directory.path + "/worker.sqlite",
                                            access: .create(officer: OfficerID("A12345"), passphrase: "bench"), keys: StoreKeys(cost: .fast))
        try workerStore.saveEnrollment(worker)
        for index in 0..<offline {
            var visit = StoreBenchmark.visit(index)
            visit.beat = UnitID(quietStation.rawValue + ".B\(index % 40)")
            _ = try workerStore.createHouseholdVisit(visit, by: OfficerID("A12345"))
        }
        let pushStart = ContinuousClock.now
        let pushed = try await SyncEngine(store: workerStore, transport: transport, makeBatchID: { UUID().uuidString }).syncUntilCaughtUp()
        let pushSeconds = seconds(since: pushStart)
        guard pushed.accepted == offline, try workerStore.pendingPushCount() == 0 else {
            throw BenchmarkError("\(pushed.accepted) of \(offline) offline records accepted")
        }
        print(String(format: "%d offline records pushed (and pulled back) in %.2f s: %.0f records/s, %d round trips",
                     offline, pushSeconds, Double(offline) / pushSeconds, pushed.roundTrips))

        // 2. A fresh terminal of the busy station: its whole history, pages of 1,000, memory sampled.
        let freshStore = try TerminalStore(path: directory.path + "/fresh.sqlite",
                                           access: .create(officer: OfficerID("A12345"), passphrase: "bench"), keys: StoreKeys(cost: .fast))
        try freshStore.saveEnrollment(fresh)
        let sampler = MemorySampler()
        let initialStart = ContinuousClock.now
        let received = try await SyncEngine(store: freshStore, transport: transport, makeBatchID: { UUID().uuidString }).syncUntilCaughtUp()
        let initialSeconds = seconds(since: initialStart)
        let memory = sampler.stop()
        let held = try freshStore.count()
        guard held == initial else { throw BenchmarkError("the fresh terminal holds \(held) records, expected \(initial)") }
        let rate = Double(initial) / initialSeconds
        let raw = try ServerBenchmark.rawGRDB(rows: (0..<initial).map { index in
            let state = try! ServerSeeder.record(index, stations: [busyStation], now: service.now)
            return (id: state.id.rawValue, json: RecordStateJSON.encode(state))
        })
        print(String(format: "initial sync of %d records into a fresh terminal: %.2f s, %.0f records/s, %d round trips (raw GRDB insert %.0f rows/s, ratio %.2f)",
                     initial, initialSeconds, rate, received.roundTrips, raw.insert, rate / raw.insert))
        print("  terminal process memory during it: peak RSS \(megabytes(memory.peak)) (before: \(megabytes(memory.before)); "
              + "\(memory.source)); server process peak RSS \(megabytes(server.peakResidentBytes))")
        await backend.dropFreshDatabase()
        return [
            SummaryRow(suite: "terminal", what: "\(offline) offline records pushed", measured: String(format: "%.2f s", pushSeconds),
                       goal: "<= 2 s (10,000)"),
            SummaryRow(suite: "terminal", what: "initial sync of \(initial) records", measured: String(format: "%.1f s, %.0f rec/s", initialSeconds, rate),
                       raw: String(format: "GRDB insert %.0f rows/s", raw.insert), ratio: rate / raw.insert, goal: "<= 5 s (100,000)"),
            SummaryRow(suite: "terminal", what: "peak RSS during initial sync", measured: megabytes(memory.peak),
                       raw: "before " + megabytes(memory.before), goal: "bounded by the page budget"),
        ]
    }
}

/// This process's resident memory while something runs: the kernel's peak (VmHWM, reset at the start
/// through /proc/self/clear_refs) when it can be reset, and VmRSS sampled every 10 ms in any case.
final class MemorySampler: @unchecked Sendable {
    private let running = LockedValue(true)
    private let sampled = LockedValue(0)
    private let finished = DispatchSemaphore(value: 0)
    let before: Int
    let kernelPeakReset: Bool

    init() {
        before = MeasuredServer.statusField("VmRSS", pid: nil)
        kernelPeakReset = (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
        Thread { [running, sampled, finished] in
            while running.get() {
                let now = MeasuredServer.statusField("VmRSS", pid: nil)
                sampled.update { $0 = max($0, now) }
                usleep(10_000)
            }
            finished.signal()
        }.start()
    }

    func stop() -> (peak: Int, before: Int, source: String) {
        running.update { $0 = false }
        finished.wait()
        let kernel = kernelPeakReset ? MeasuredServer.statusField("VmHWM", pid: nil) : 0
        return (max(kernel, sampled.get()), before, kernelPeakReset ? "VmHWM reset at the start, and VmRSS sampled every 10 ms" : "VmRSS sampled every 10 ms")
    }
}
