import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import Testing

/// A seeded mutation fuzzer of the wire decoder and the push handler (issue 8). Valid bodies (the files
/// in `FuzzCorpus/` and pushes of the enrolled device's own records) are mutated: bytes flipped, cut,
/// spliced, nested deep, numbers made huge, Unicode inserted. Every mutant must decode to a message or
/// fail with a typed error; the fast push parser must agree with `JSONDecoder` whenever it answers; and a
/// push must be answered per record or refused whole with a `ServerError`, leaving stored records as
/// they were unless it stored an accepted change.
///
/// `FIELDSYNC_FUZZ_ITERATIONS` (default 20,000 decoder and 1,500 push mutants, about 30 s in a debug
/// build) and `FIELDSYNC_FUZZ_SEED` (default 1). A failure prints the seed and iteration, and writes the
/// mutant to the temporary directory.
@Suite("Wire fuzzing")
struct WireFuzzTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seed = UInt64(environment["FIELDSYNC_FUZZ_SEED"] ?? "") ?? 1
    static let scale = Double(environment["FIELDSYNC_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 20_000) / 20_000

    static func corpus() throws -> [Data] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzCorpus")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count >= 10, "the corpus is missing from \(directory.path)")
        return try files.map { try Data(contentsOf: directory.appendingPathComponent($0)) }
    }

    static func report(_ what: String, iteration: Int, mutant: Data) -> String {
        let path = NSTemporaryDirectory() + "fieldsync-fuzz-\(seed)-\(iteration).json"
        try? mutant.write(to: URL(fileURLWithPath: path))
        return "FIELDSYNC_FUZZ_SEED=\(seed) iteration \(iteration): \(what) (mutant in \(path))"
    }

    @Test("the decoders never crash, answer typed errors, and the fast path agrees with JSONDecoder")
    func decoder() throws {
        let corpus = try Self.corpus()
        var random = SeededRandom(seed: Self.seed)
        let iterations = Int(20_000 * Self.scale)
        var decoded = 0
        for iteration in 0..<iterations {
            let mutant = WireMutator.mutate(random.pick(corpus), corpus: corpus, &random)
            let fast = RecordStateJSON.decodeFast(PushRequest.self, from: mutant)
            let slow: PushRequest?
            do {
                slow = try WireCoding.decode(PushRequest.self, from: mutant)
            } catch {
                // Typed by the signature: a ProtocolError. Only its code is checked.
                #expect([.malformedRequest, .unsupportedProtocolVersion].contains(error.code),
                        "\(Self.report("unexpected code \(error.code)", iteration: iteration, mutant: mutant))")
                slow = nil
            }
            if let fast, fast.protocolVersion == WireCoding.protocolVersion, fast != slow {
                Issue.record("\(Self.report("the fast path read what JSONDecoder did not", iteration: iteration, mutant: mutant))")
            }
            if slow != nil { decoded += 1 }
            _ = try? WireCoding.decode(SyncRequest.self, from: mutant)
            _ = try? WireCoding.decode(PullPage.self, from: mutant)
            _ = try? RecordStateJSON.decode(mutant)
        }
        print("wire fuzz: \(iterations) decoder mutants (seed \(Self.seed)), \(decoded) still decoded as a push")
    }

    @Test("the push handler answers every mutant per record or refuses it whole, and refusals store nothing")
    func pushHandler() async throws {
        let harness = try await FuzzHarness()
        let corpus = try Self.corpus() + harness.ownBodies()
        var random = SeededRandom(seed: Self.seed &+ 1)
        let iterations = Int(1_500 * Self.scale)
        var outcomes: [String: Int] = [:]
        for iteration in 0..<iterations {
            // One mutation at a time, so that a share of the mutants gets past the decoder to admission.
            let mutant = WireMutator.mutate(random.pick(corpus), corpus: corpus, times: 1...1, &random)
            // As the router reads a push body: the fast path, else JSONDecoder with its typed error.
            var request: PushRequest
            if let fast = RecordStateJSON.decodeFast(PushRequest.self, from: mutant), fast.protocolVersion == WireCoding.protocolVersion {
                request = fast
            } else {
                do { request = try WireCoding.decode(PushRequest.self, from: mutant) } catch {
                    outcomes["refused by the decoder", default: 0] += 1
                    continue
                }
            }
            // Mostly a fresh batch id, so that mutants reach admission rather than the replay check.
            if random.percent(80) { request.batchID = "fuzz-\(iteration)" }
            let before = try await harness.snapshot()
            do {
                let response = try await harness.service.push(request, from: harness.device)
                #expect(response.results.map(\.id) == request.records.map(\.id),
                        "\(Self.report("results do not answer the pushed records in order", iteration: iteration, mutant: mutant))")
                let after = try await harness.snapshot()
                for result in response.results {
                    if case .rejected = result.outcome {
                        #expect(after[result.id.rawValue] == before[result.id.rawValue],
                                "\(Self.report("a rejected record changed", iteration: iteration, mutant: mutant))")
                        outcomes["rejected record", default: 0] += 1
                    } else {
                        outcomes["accepted record", default: 0] += 1
                    }
                }
                for (id, stored) in before where !request.records.contains(where: { $0.id.rawValue == id }) {
                    #expect(after[id] == stored, "\(Self.report("a record not in the push changed", iteration: iteration, mutant: mutant))")
                }
            } catch let error as ServerError {
                #expect(error.code != .unavailable && error.code != .internalError,
                        "\(Self.report("an operating failure: \(error)", iteration: iteration, mutant: mutant))")
                #expect(try await harness.snapshot() == before,
                        "\(Self.report("a refused push changed records", iteration: iteration, mutant: mutant))")
                outcomes["refused whole: \(error.code.rawValue)", default: 0] += 1
            }
        }
        print("push fuzz: \(iterations) mutants (seed \(Self.seed &+ 1)): \(outcomes.sorted { $0.key < $1.key })")
    }
}

/// A server with one enrolled device of the station the corpus writes to, and a few stored records.
private struct FuzzHarness {
    let service: SyncService
    let storage: SQLiteStorage
    let device: Device
    let factory: RecordFactory

    init() async throws {
        let path = NSTemporaryDirectory() + "fieldsync-fuzz-\(UUID().uuidString).sqlite"
        storage = try SQLiteStorage(path: path)
        try await storage.prepare()
        let clock = TestClock()
        var settings = SyncService.Settings()
        settings.rateLimit = nil
        service = SyncService(storage: storage, settings: settings, clock: { clock.now })
        let token = try await service.createEnrollmentToken(station: UnitID("KH.P03.S012"))
        let enrolled = try await service.enroll(EnrollRequest(token: token.token, deviceName: "fuzz"))
        device = try await service.authenticate(credential: enrolled.credential)
        factory = RecordFactory(enrolled: enrolled, now: clock.now)
        let stored = try [factory.patrolSignIn("stored-1"), factory.incidentReport("stored-2")]
        _ = try await service.push(PushRequest(batchID: "setup", records: stored), from: device)
    }

    /// Valid pushes of this device's own records: new ones and edits of stored ones.
    func ownBodies() throws -> [Data] {
        let report = try factory.incidentReport("stored-2")
        let states = [
            try factory.patrolSignIn("own-1"),
            try factory.incidentReport("own-2"),
            try factory.apply([.append("addenda", "later"), .set("severity", "major")], to: report),
            try factory.apply([.append("transfers", .object(["from": "KH.P03.S012", "to": "KH.P05.S031"])),
                               .set("jurisdictionUnit", "KH.P05.S031"), .set("status", "transferred")],
                              to: try factory.apply([.set("status", "receiptIssued")], to: report)),
        ]
        return try states.map { try JSONEncoder().encode(PushRequest(batchID: "own-\($0.id)", records: [$0])) }
            + [try JSONEncoder().encode(PushRequest(batchID: "own-all", records: states.dropLast()))]
    }

    /// Every stored record's state as stored (JSON), by id.
    func snapshot() async throws -> [String: Data] {
        var states: [String: Data] = [:]
        var cursor: UInt64 = 0
        while true {
            let page = try await storage.pullPage(after: cursor, scopes: [UnitID("KH")], limit: 1_000)
            for json in page.states { states[try JSONDecoder().decode(RecordState.self, from: json).id.rawValue] = json }
            cursor = page.cursor
            if !page.hasMore { return states }
        }
    }
}
