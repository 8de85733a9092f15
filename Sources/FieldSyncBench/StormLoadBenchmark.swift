import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation

/// The reconnect storm measured from the server's side (issue 16 item 3b): the same terminals and
/// offline records as `storm`, but instead of 2,000 terminal stores applying what they receive, a load
/// generator replays the requests those terminals send (`/v1/sync` bodies built from each store's outbox
/// as `SyncEngine` builds them, gzip'd as `HTTPTransport` sends them, `Accept-Encoding: gzip`) and reads
/// the answers without applying them: it follows each page's cursor until caught up. So the figure is
/// the server's own: its wall time to converge everyone, its CPU seconds and its peak memory, from /proc.
///
/// `fieldsync-bench storm-load [--terminals 2000] [--records 50] [--stations N] [--lanes 64] [--server PATH] [--backend sqlite|postgres]`
///
/// Convergence as in `storm`: a first round in which every terminal pushes its outbox and pulls until
/// caught up, then (once every push is answered) a second in which every terminal pulls what its
/// colleagues pushed after its own pull. `--lanes` connections carry the terminals' rounds, a terminal
/// at a time each (a city's terminals do not all hold a request open in the same millisecond). Checked:
/// every pushed record accepted, and the server holds every record afterwards.
enum StormLoadBenchmark {
    static func run(arguments: [String]) async throws -> [SummaryRow] {
        let options = BenchOptions(arguments)
        let terminalCount = options.int("--terminals", 2_000)
        let recordsEach = options.int("--records", 50)
        let stationCount = options.int("--stations", max(1, terminalCount / 24))
        let lanes = max(1, options.int("--lanes", 64))
        let backend = try await BenchBackend(options).freshDatabase()
        let serverBinary = options.string("--server") ?? StormBenchmark.siblingExecutable("fieldsync")
        let directory = try ScratchDirectory("storm-load")
        defer { directory.remove() }
        let stations = StormBenchmark.stations(stationCount)
        print("reconnect storm, server side: \(terminalCount) terminals × \(recordsEach) offline records, \(stationCount) stations, "
              + "\(lanes) connections, server process \(serverBinary) on \(backend.name), load \(loadAverage())")

        // Setup (not timed): the storm's terminals and records, then each one's first request recorded.
        let setupStart = ContinuousClock.now
        let enrollments = try await StormBenchmark.enroll(terminalCount, stations: stations, backend: backend, directory: directory.path)
        let terminals = try await StormTerminal.makeAll(enrollments, stations: stations, recordsEach: recordsEach,
                                                        directory: directory.path)
        let replays = try terminals.map { terminal in
            try Replay(terminal: terminal, credential: enrollments[terminal.index].credential)
        }
        print(String(format: "setup: %d terminals, %d records written offline, first requests recorded (%.1f MB gzip'd) in %.1f s",
                     terminals.count, terminals.count * recordsEach,
                     Double(replays.reduce(0) { $0 + $1.firstBody.count }) / 1e6, seconds(since: setupStart)))

        let configPath = directory.path + "/server.json"
        try StormBenchmark.writeServerConfig(to: configPath, storage: backend.configKeys(directory: directory.path))
        let server = try MeasuredServer(binary: serverBinary, configPath: configPath)
        let generatorCPUBefore = MeasuredServer.cpuSeconds(pid: nil)
        let serverCPUBefore = server.cpuSeconds

        let start = ContinuousClock.now
        let first = try await drive(replays, lanes: lanes, port: server.port, round: 1)
        let pushedAt = seconds(since: start)
        let second = try await drive(replays, lanes: lanes, port: server.port, round: 2)
        let convergedAt = seconds(since: start)
        let serverCPU = server.cpuSeconds - serverCPUBefore
        let generatorCPU = MeasuredServer.cpuSeconds(pid: nil) - generatorCPUBefore
        let serverPeak = server.peakResidentBytes
        let exit = server.stop()

        let total = terminalCount * recordsEach
        var tally = first
        tally.add(second)
        let held = try await StormCheck.serverRecords(backend: backend, directory: directory.path)
        let missing = terminals.flatMap(\.created).filter { held[$0.id] == nil }.count
        print(String(format: "first round (push + pull) done after %.2f s; converged after %.2f s (goal <= 15 s)", pushedAt, convergedAt))
        print(String(format: "server process: CPU %.1f s (goal <= 10 CPU-s), peak RSS %@ (goal <= 300 MB), exit %d; load generator CPU %.1f s",
                     serverCPU, megabytes(serverPeak), exit, generatorCPU))
        print("requests \(tally.requests), records pushed \(tally.pushed), accepted \(tally.accepted), "
              + String(format: "%.1f MB of answers read (gzip'd)", Double(tally.answerBytes) / 1e6))
        print("errors: \(tally.failures) (goal 0); retried after 429: \(tally.rateLimited), after 503: \(tally.unavailable); "
              + "records the server does not hold afterwards: \(missing) of \(total)")
        for message in tally.messages.prefix(5) { print("  " + message) }
        guard tally.accepted == total, missing == 0, tally.failures == 0 else {
            throw BenchmarkError("the storm did not converge: \(tally.accepted) of \(total) accepted, \(missing) missing, \(tally.failures) errors")
        }
        let scale = "\(terminalCount)×\(recordsEach)"
        await backend.dropFreshDatabase()
        return [
            SummaryRow(suite: "storm-load", what: "\(scale): converged (server side)", measured: String(format: "%.2f s", convergedAt), goal: "<= 15 s"),
            SummaryRow(suite: "storm-load", what: "\(scale): server CPU", measured: String(format: "%.1f CPU-s", serverCPU), goal: "<= 10 CPU-s"),
            SummaryRow(suite: "storm-load", what: "\(scale): server peak RSS", measured: megabytes(serverPeak), goal: "<= 300 MB"),
            SummaryRow(suite: "storm-load", what: "\(scale): errors, lost", measured: "\(tally.failures), \(missing)", goal: "0, 0"),
        ]
    }

    /// One terminal's recorded first request, and its cursor as the answers move it.
    final class Replay: @unchecked Sendable {
        let credential: String
        let firstBody: Data
        let pushed: Int
        /// Touched by one lane at a time (a terminal is driven by one lane per round).
        var cursor: String?

        init(terminal: StormTerminal, credential: String) throws {
            self.credential = credential
            let outbox = try terminal.store.pendingPush(limit: 500)
            pushed = outbox.count
            let request = SyncRequest(push: PushRequest(batchID: UUID().uuidString, records: outbox),
                                      pull: PullRequest(cursor: nil, limit: 10_000, maxBytes: 4 << 20))
            let json = try WireCoding.encode(request)
            firstBody = Gzip.compress(json) ?? json
        }
    }

    struct Tally: Sendable {
        var requests = 0, pushed = 0, accepted = 0, answerBytes = 0
        var failures = 0, rateLimited = 0, unavailable = 0
        var messages: [String] = []

        mutating func add(_ other: Tally) {
            requests += other.requests; pushed += other.pushed; accepted += other.accepted
            answerBytes += other.answerBytes
            failures += other.failures; rateLimited += other.rateLimited; unavailable += other.unavailable
            messages += other.messages.prefix(max(0, 5 - messages.count))
        }
    }

    /// Every terminal's round, `lanes` connections at once, each taking the next terminal when done.
    static func drive(_ replays: [Replay], lanes: Int, port: Int, round: Int) async throws -> Tally {
        let next = LockedValue(0)
        return try await withThrowingTaskGroup(of: Tally.self) { group in
            for _ in 0..<min(lanes, replays.count) {
                group.addTask {
                    try await onThread {
                        let client = try LoopbackHTTPClient(port: port)
                        var tally = Tally()
                        while true {
                            let index = next.update { value -> Int in defer { value += 1 }; return value }
                            guard index < replays.count else { return tally }
                            try sync(replays[index], round: round, client: client, tally: &tally)
                        }
                    }
                }
            }
            var tally = Tally()
            for try await part in group { tally.add(part) }
            return tally
        }
    }

    /// One terminal's round: the recorded push (round 1) then pulls until caught up, answers read, not applied.
    static func sync(_ replay: Replay, round: Int, client: LoopbackHTTPClient, tally: inout Tally) throws {
        var body = round == 1 ? replay.firstBody : nil
        var attempts = 0
        while true {
            let compressed = try body ?? ServerBenchmark.pullBody(from: replay.cursor)
            let reply = try client.post("/v1/sync", body: compressed, bearer: replay.credential,
                                        headers: ServerBenchmark.syncHeaders)
            tally.requests += 1
            tally.answerBytes += reply.body.count
            guard reply.status == 200 else {
                attempts += 1
                if reply.status == 429 { tally.rateLimited += 1 } else if reply.status == 503 { tally.unavailable += 1 } else {
                    tally.failures += 1
                    tally.messages.append("HTTP \(reply.status): \(String(decoding: reply.body.prefix(200), as: UTF8.self))")
                }
                guard attempts < 20 else { throw BenchmarkError("a terminal's request failed 20 times") }
                usleep(UInt32((Double(reply.headers["retry-after"].flatMap(Int.init) ?? 1) * Double.random(in: 1...1.5)) * 1e6))
                continue
            }
            let json = reply.headers["content-encoding"] == "gzip" ? (Gzip.decompress(reply.body) ?? reply.body) : reply.body
            guard let answer = AnswerSummary(json) else {
                throw BenchmarkError("an answer to /v1/sync does not read: \(String(decoding: json.prefix(200), as: UTF8.self))")
            }
            if body != nil {
                tally.pushed += replay.pushed
                tally.accepted += answer.accepted
            }
            body = nil
            replay.cursor = answer.cursor
            if !answer.hasMore { return }
        }
    }

    /// What the generator reads of an answer, without decoding the page's states (which would cost it more
    /// CPU than the server spends, on the same two cores): the push's results (decoded), the page's cursor
    /// and `hasMore` (found after the last record: a state's strings cannot hold an unescaped quote, and
    /// the page's own members come last). Any other shape is decoded whole.
    struct AnswerSummary {
        var accepted = 0
        var cursor: String
        var hasMore: Bool

        init?(_ json: Data) {
            let bytes = [UInt8](json)
            let pullMarker = Array(",\"pull\":{\"protocolVersion\":1,\"records\":[".utf8)
            let cursorMarker = Array("],\"cursor\":\"".utf8)
            guard let pullAt = Self.first(pullMarker, in: bytes), let cursorAt = Self.last(cursorMarker, in: bytes) else {
                guard let answer = RecordStateJSON.decodeFast(SyncResponse.self, from: json), let page = answer.pull else { return nil }
                accepted = answer.push?.results.filter { if case .accepted = $0.outcome { true } else { false } }.count ?? 0
                (cursor, hasMore) = (page.cursor, page.hasMore)
                return
            }
            let pushMarker = Array("{\"protocolVersion\":1,\"push\":".utf8)
            if bytes.starts(with: pushMarker),
               let push = try? JSONDecoder().decode(PushResponse.self, from: Data(bytes[pushMarker.count..<pullAt])) {
                accepted = push.results.filter { if case .accepted = $0.outcome { true } else { false } }.count
            }
            let digits = bytes[(cursorAt + cursorMarker.count)...].prefix { $0 != UInt8(ascii: "\"") }
            cursor = String(decoding: digits, as: UTF8.self)
            let after = cursorAt + cursorMarker.count + digits.count
            hasMore = bytes[after...].starts(with: Array("\",\"hasMore\":true".utf8))
        }

        static func first(_ marker: [UInt8], in bytes: [UInt8]) -> Int? {
            guard bytes.count >= marker.count else { return nil }
            return (0...(bytes.count - marker.count)).first { bytes[$0] == marker[0] && bytes[$0..<($0 + marker.count)].elementsEqual(marker) }
        }

        static func last(_ marker: [UInt8], in bytes: [UInt8]) -> Int? {
            guard bytes.count >= marker.count else { return nil }
            return (0...(bytes.count - marker.count)).reversed().first { bytes[$0] == marker[0] && bytes[$0..<($0 + marker.count)].elementsEqual(marker) }
        }
    }
}
