import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation

/// Reconnect storm: N terminals, each with M records written offline, reconnect at once against one
/// `fieldsync server` process. Terminals are real `TerminalStore` files synced by the real `SyncEngine`
/// over the real `HTTPTransport` (URLSession), one transport and one connection each.
///
/// `fieldsync-bench storm [--terminals 2000] [--records 50] [--stations N] [--server PATH] [--backend sqlite|postgres]`
///
/// Stations: by default one per 24 terminals (Kaohsiung: about 2,300 shared terminals over some 85
/// stations of 17 precincts), so each terminal pulls its own station's records, not the whole city's.
/// Convergence is two rounds, as a daemon does it: every terminal syncs (push its outbox, pull until
/// caught up); once every push is acknowledged, every terminal syncs once more (its next timer tick) to
/// receive what its station colleagues pushed after its own pull. Then it is checked, not assumed.
enum StormBenchmark {
    static func run(arguments: [String]) async throws -> [SummaryRow] {
        let options = BenchOptions(arguments)
        let terminalCount = options.int("--terminals", 2_000)
        let recordsEach = options.int("--records", 50)
        let stationCount = options.int("--stations", max(1, terminalCount / 24))
        let backend = try await BenchBackend(options).freshDatabase()
        let serverBinary = options.string("--server") ?? siblingExecutable("fieldsync")
        let directory = try ScratchDirectory("storm")
        defer { directory.remove() }
        let stations = StormBenchmark.stations(stationCount)
        print("reconnect storm: \(terminalCount) terminals × \(recordsEach) offline records, \(stationCount) stations, "
              + "server process \(serverBinary) on \(backend.name), load \(loadAverage())")

        // Setup (not timed): enrollment through the service, then offline writes in each terminal's store.
        let setupStart = ContinuousClock.now
        let enrollments = try await enroll(terminalCount, stations: stations, backend: backend, directory: directory.path)
        let terminals = try await StormTerminal.makeAll(enrollments, stations: stations, recordsEach: recordsEach,
                                                        directory: directory.path)
        print(String(format: "setup: %d terminals enrolled and %d records written offline in %.1f s",
                     terminals.count, terminals.count * recordsEach, seconds(since: setupStart)))

        let configPath = directory.path + "/server.json"
        try writeServerConfig(to: configPath, storage: backend.configKeys(directory: directory.path))
        let server = try MeasuredServer(binary: serverBinary, configPath: configPath)
        let baseURL = URL(string: "http://127.0.0.1:\(server.port)")!
        let benchCPUBefore = MeasuredServer.cpuSeconds(pid: nil)
        let serverCPUBefore = server.cpuSeconds

        // The storm: every terminal at once.
        let stormStart = ContinuousClock.now
        let first = await syncAll(terminals, baseURL: baseURL, since: stormStart)
        let firstRound = seconds(since: stormStart)
        let second = await syncAll(terminals, baseURL: baseURL, since: ContinuousClock.now)
        let convergedAt = seconds(since: stormStart)
        let serverCPU = server.cpuSeconds - serverCPUBefore
        let benchCPU = MeasuredServer.cpuSeconds(pid: nil) - benchCPUBefore
        let serverPeak = server.peakResidentBytes
        let exit = server.stop()

        let raw = try ServerBenchmark.rawGRDB(rows: terminals.flatMap(\.created).map { (id: $0.id.rawValue, json: RecordStateJSON.encode($0)) })
        let total = terminalCount * recordsEach
        let times = first.outcomes.map(\.seconds)
        let pushedAt = first.outcomes.map(\.outboxEmpty).max() ?? 0
        let pulled = (first.outcomes + second.outcomes).reduce(0) { $0 + $1.pulled }
        var errors = first.errors
        errors.add(second.errors)
        print("")
        print(String(format: "every outbox empty after %.2f s (%d records pushed: %.0f records/s; raw GRDB insert %.0f rows/s, ratio %.2f)",
                     pushedAt, total, Double(total) / pushedAt, raw.insert, Double(total) / pushedAt / raw.insert))
        print(String(format: "converged after %.2f s (goal <= 15 s): %d records pulled in all (%.0f records/s; raw GRDB select %.0f rows/s)",
                     convergedAt, pulled, Double(pulled) / convergedAt, raw.select))
        print(String(format: "per-terminal sync time (first round, from the storm's start): p50 %.2f s, p99 %.2f s, max %.2f s; second round (pull only) %.2f s",
                     percentile(times, 0.5), percentile(times, 0.99), firstRound, convergedAt - firstRound))
        print(String(format: "server process: peak RSS %@ (goal <= 300 MB), CPU %.1f s; benchmark process (terminals) CPU %.1f s; exit %d",
                     megabytes(serverPeak), serverCPU, benchCPU, exit))
        print("errors: \(errors.failures) (goal 0); retried after 429: \(errors.rateLimited), after 503: \(errors.unavailable)")
        for message in errors.messages.prefix(5) { print("  " + message) }
        print("load after: \(loadAverage()); checking every store against the server and every created record...")
        let checkStart = ContinuousClock.now
        let check = try await StormCheck.run(terminals, backend: backend, directory: directory.path)
        check.print()
        print(String(format: "(checked in %.0f s)", seconds(since: checkStart)))
        let scale = "\(terminalCount)×\(recordsEach)"
        await backend.dropFreshDatabase()
        return [
            SummaryRow(suite: "storm", what: "\(scale): converged", measured: String(format: "%.2f s", convergedAt), goal: "<= 15 s"),
            SummaryRow(suite: "storm", what: "\(scale): every outbox empty", measured: String(format: "%.2f s (%.0f rec/s)", pushedAt, Double(total) / pushedAt),
                       raw: String(format: "%.0f rows/s", raw.insert), ratio: Double(total) / pushedAt / raw.insert),
            SummaryRow(suite: "storm", what: "per-terminal sync p50 / p99",
                       measured: String(format: "%.2f / %.2f s", percentile(times, 0.5), percentile(times, 0.99))),
            SummaryRow(suite: "storm", what: "server peak RSS", measured: megabytes(serverPeak), goal: "<= 300 MB"),
            SummaryRow(suite: "storm", what: "errors (429 / 503 retries)",
                       measured: "\(errors.failures) (\(errors.rateLimited) / \(errors.unavailable))", goal: "0"),
            SummaryRow(suite: "storm", what: "lost records (checked)", measured: "\(check.lost)", goal: "0"),
        ]
    }

    /// `count` stations spread over Kaohsiung's 17 precincts: `KH.P01.S001`, `KH.P02.S002`, …
    static func stations(_ count: Int) -> [UnitID] {
        (0..<count).map { UnitID(String(format: "KH.P%02d.S%03d", $0 % 17 + 1, $0 + 1)) }
    }

    /// Enrollment tokens and enrollments through the service on the server's storage, before the server
    /// process starts: the storm is about reconnecting, not enrolling.
    static func enroll(_ count: Int, stations: [UnitID], backend: BenchBackend, directory: String) async throws -> [EnrollResponse] {
        let storage = try await backend.open(directory: directory)
        let service = SyncService(storage: storage)
        var enrollments: [EnrollResponse] = []
        for index in 0..<count {
            let token = try await service.createEnrollmentToken(station: stations[index % stations.count])
            enrollments.append(try await service.enroll(EnrollRequest(token: token.token, deviceName: "storm-\(index)")))
        }
        await backend.close(storage)
        return enrollments
    }

    /// The default per-device rate limit (50 requests/s, burst 100): it is per device, so a storm of many
    /// devices each making a few requests never meets it, while one runaway device still does.
    static func writeServerConfig(to path: String, storage: [String: String]) throws {
        let config: [String: Any] = [
            "listen": ["host": "127.0.0.1", "port": 0],
            "storage": storage,
            // Every terminal of the bench connects from 127.0.0.1, as a city's terminals do through one
            // VPN gateway or NAT address: the per-address cap is raised as ServerConfig/README.md says to
            // for such a deployment (at its default of 1,000, the 2,000-terminal storm had ~2,000 connections
            // closed at once, each retried by its terminal).
            "limits": ["rateLimit": ["requestsPerSecond": 50, "burst": 100], "maxConnectionsPerAddress": 10_000],
            "log": ["level": "warning"],
        ]
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    struct Outcome: Sendable {
        var seconds: Double
        var outboxEmpty: Double
        var pulled: Int
    }

    struct Errors: Sendable {
        var failures = 0
        var rateLimited = 0
        var unavailable = 0
        var messages: [String] = []

        mutating func add(_ other: Errors) {
            failures += other.failures
            rateLimited += other.rateLimited
            unavailable += other.unavailable
            messages += other.messages.prefix(max(0, 5 - messages.count))
        }
    }

    /// One `syncUntilCaughtUp` per terminal, all at once; a 429 or 503 waits as the server asks and
    /// retries (counted apart), any other failure is an error, counted, and retried up to five times.
    static func syncAll(_ terminals: [StormTerminal], baseURL: URL, since start: ContinuousClock.Instant) async -> (outcomes: [Outcome], errors: Errors) {
        await withTaskGroup(of: (Outcome, Errors).self) { group in
            for terminal in terminals {
                group.addTask {
                    let engine = SyncEngine(store: terminal.store, transport: HTTPTransport(baseURL: baseURL),
                                            makeBatchID: { UUID().uuidString })
                    var errors = Errors()
                    var pulled = 0
                    // When the last record of the outbox was answered (the first report with nothing left to push).
                    let drained = LockedValue<Double?>(nil)
                    let outbox = (try? terminal.store.pendingPushCount()) ?? 0
                    for _ in 0..<(5 + 100) where errors.failures < 5 {
                        do {
                            pulled += try await engine.syncUntilCaughtUp { report in
                                if report.pushed >= outbox { drained.update { $0 = $0 ?? seconds(since: start) } }
                            }.pulled
                            break
                        } catch let error as ClientError where error.httpStatus == 429 || error.httpStatus == 503 {
                            if error.httpStatus == 429 { errors.rateLimited += 1 } else { errors.unavailable += 1 }
                            try? await Task.sleep(for: .seconds(Double(error.retryAfterSeconds ?? 1) * Double.random(in: 1...1.5)))
                        } catch {
                            errors.failures += 1
                            errors.messages.append("terminal \(terminal.index): \(error)")
                            try? await Task.sleep(for: .seconds(Double.random(in: 0.5...1.5)))
                        }
                    }
                    return (Outcome(seconds: seconds(since: start), outboxEmpty: drained.get() ?? seconds(since: start), pulled: pulled), errors)
                }
            }
            var outcomes: [Outcome] = []
            var errors = Errors()
            for await (outcome, more) in group {
                outcomes.append(outcome)
                errors.add(more)
            }
            return (outcomes, errors)
        }
    }

    /// An executable built beside this one (`.build/release/fieldsync` next to `fieldsync-bench`).
    static func siblingExecutable(_ name: String) -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
