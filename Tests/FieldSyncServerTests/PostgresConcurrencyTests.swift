import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import Testing

/// The no-skip guarantee with several server nodes (each its own connection pool, so its own PostgreSQL
/// sessions) committing at once: a terminal pulling through any node never misses a change, although
/// batches assign their sequences before they commit. The same stress shows that the naive design (a
/// database sequence, no commit ordering) does lose changes, so the test can tell the two apart.
@Suite("PostgreSQL: no skipped changes under concurrent nodes",
       .enabled(if: TestPostgres.isEnabled, "set FIELDSYNC_TEST_POSTGRES_URL (.ci/postgres start)"))
struct PostgresConcurrencyTests {
    @Test("commit-ordered sequences: every puller sees every change")
    func commitOrdered() async throws {
        for round in 0..<3 {
            let outcome = try await stress(.commitOrdered, seed: UInt64(round))
            #expect(outcome.missed == 0, "round \(round): \(outcome.missed) changes never pulled of \(outcome.created)")
            #expect(outcome.created > 0)
        }
    }

    @Test("the naive design (sequence taken early, no commit order) is caught skipping changes")
    func naiveDesignSkips() async throws {
        var missed = 0
        for round in 0..<5 where missed == 0 {
            missed += try await stress(.unordered, seed: UInt64(100 + round)).missed
        }
        #expect(missed > 0, "the stress never made the naive design skip: it cannot tell the designs apart")
    }

    struct Outcome {
        var created: Int
        var missed: Int
    }

    /// Three nodes, six writers pushing small batches of new records and edits through random nodes,
    /// three pullers following their cursors through random nodes; each batch waits a random 0–3 ms
    /// between taking its sequences and committing. Afterwards every puller catches up and must hold
    /// every record at its final version.
    func stress(_ sequencing: PostgresStorage.Sequencing, seed: UInt64) async throws -> Outcome {
        let database = try await TestPostgres.createDatabase()
        var options = PostgresStorage.Options()
        options.sequencing = sequencing
        options.beforeCommit = { try? await Task.sleep(for: .microseconds(Int.random(in: 0...3_000))) }
        let nodes = try (0..<3).map { _ in try PostgresStorage(url: database.url, maximumConnections: 6, options: options).runningInBackground() }
        do {
            let outcome = try await stress(nodes: nodes, seed: seed)
            for node in nodes { await node.close() }
            await database.drop()
            return outcome
        } catch {
            for node in nodes { await node.close() }
            await database.drop()
            throw error
        }
    }

    private func stress(nodes: [PostgresStorage], seed: UInt64) async throws -> Outcome {
        try await nodes[0].prepare()
        let clock = TestClock()
        var settings = SyncService.Settings()
        settings.rateLimit = nil
        let services = nodes.map { SyncService(storage: $0, settings: settings, clock: { clock.now }) }
        let station = UnitID("KH.P03.S012")
        var devices: [Device] = []
        var leases: [ReceiptLease] = []
        for index in 0..<9 {
            let token = try await services[0].createEnrollmentToken(station: station)
            let response = try await services[0].enroll(EnrollRequest(token: token.token, deviceName: "t\(index)"))
            devices.append(try await services[0].authenticate(credential: response.credential))
            leases.append(response.lease)
        }
        let writing = Flag()
        writing.set()
        let final = LockedValue<[RecordID: RecordState]>([:])
        let pulled = try await withThrowingTaskGroup(of: [RecordID: RecordState]?.self) { group in
            for writer in 0..<6 {
                let device = devices[writer], lease = leases[writer]
                group.addTask {
                    var random = SeededRandom(seed: seed &* 31 &+ UInt64(writer))
                    let factory = RecordFactory(replica: device.replica, station: station, now: clock.now, lease: lease)
                    var mine: [RecordState] = []
                    for batch in 0..<30 {
                        var records: [RecordState] = []
                        if !mine.isEmpty, random.next() % 3 == 0 {
                            let index = Int(random.next() % UInt64(mine.count))
                            mine[index] = try factory.apply([.append("supervisorNotes", .string("note \(batch)"))], to: mine[index])
                            records.append(mine[index])
                        }
                        for item in 0..<Int(1 + random.next() % 3) {
                            let record = try factory.incidentReport("w\(writer)-\(batch)-\(item)")
                            mine.append(record)
                            records.append(record)
                        }
                        let service = services[Int(random.next() % 3)]
                        let results = try await service.push(PushRequest(batchID: "w\(writer)-b\(batch)", records: records), from: device).results
                        guard results.allSatisfy({ if case .accepted = $0.outcome { true } else { false } }) else {
                            throw ConformanceFailure("a stress write was refused: \(results)")
                        }
                    }
                    final.update { for record in mine { $0[record.id] = record } }
                    return nil
                }
            }
            for puller in 0..<3 {
                let device = devices[6 + puller]
                group.addTask {
                    var random = SeededRandom(seed: seed &* 97 &+ UInt64(puller))
                    var cursor: String?
                    var seen: [RecordID: RecordState] = [:]
                    // Follow the head while writers write, then catch up once they are done.
                    var catchingUp = false
                    while true {
                        let stillWriting = writing.isSet
                        let page = try await services[Int(random.next() % 3)].pull(PullRequest(cursor: cursor, limit: 7), for: device)
                        for record in page.records { seen[record.id] = record }
                        cursor = page.cursor
                        if !page.hasMore {
                            if catchingUp { return seen }
                            if !stillWriting { catchingUp = true }
                        }
                    }
                }
            }
            var results: [[RecordID: RecordState]] = []
            var writersLeft = 6
            while let result = try await group.next() {
                if let result { results.append(result) } else {
                    writersLeft -= 1
                    if writersLeft == 0 { writing.clear() }
                }
            }
            return results
        }
        let expected = final.get()
        var missed = 0
        for seen in pulled {
            missed += expected.filter { seen[$0.key] != $0.value }.count
        }
        return Outcome(created: expected.count, missed: missed)
    }
}

/// Set while writers are running.
private final class Flag: Sendable {
    private let value = LockedValue(false)
    var isSet: Bool { value.get() }
    func set() { value.update { $0 = true } }
    func clear() { value.update { $0 = false } }
}
