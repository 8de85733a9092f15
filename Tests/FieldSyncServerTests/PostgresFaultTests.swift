import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import Testing

@Suite("PostgreSQL: schema versions and a database restart under load",
       .enabled(if: TestPostgres.isEnabled, "set FIELDSYNC_TEST_POSTGRES_URL (.ci/postgres start)"))
struct PostgresFaultTests {
    @Test("migrations apply once, concurrently from several nodes; a newer schema is refused untouched")
    func schemaVersions() async throws {
        let database = try await TestPostgres.createDatabase()
        let nodes = try (0..<3).map { _ in try PostgresStorage(url: database.url, maximumConnections: 2).runningInBackground() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for node in nodes { group.addTask { try await node.prepare() } }
            try await group.waitForAll()
        }
        try await nodes[0].prepare()
        try await TestPostgres.execute("INSERT INTO fieldsync_migrations (version, name) VALUES (99, 'from the future')", on: database.url)
        let newer = try PostgresStorage(url: database.url, maximumConnections: 1).runningInBackground()
        await #expect(throws: ServerConfigError.self) { try await newer.prepare() }
        // Refused, not altered: the data of the newer build is still there and the tables still work.
        #expect(try await nodes[1].headSequence() == 0)
        for node in nodes + [newer] { await node.close() }
        await database.drop()
    }

    @Test("migration v2 builds the scope index of existing records exactly as pushes maintain it")
    func scopeIndexBackfill() async throws {
        let database = try await TestPostgres.createDatabase()
        let storage = try PostgresStorage(url: database.url, maximumConnections: 2).runningInBackground()
        try await storage.prepare()
        let harness = StorageConformance.Harness(storage: storage)
        let north = try await harness.enroll(UnitID("KH.P03.S012"))
        let south = try await harness.enroll(UnitID("KH.P04.S020"))
        let northRecords = try (0..<6).map { try north.factory.householdVisit("n\($0)") }
        _ = try await harness.push(northRecords, from: north.device)
        _ = try await harness.push(try (0..<4).map { try south.factory.patrolSignIn("s\($0)") }, from: south.device)
        // A second change of one record moves its index rows to the new sequence.
        _ = try await harness.push([try north.factory.apply([.set("riskLevel", 2)], to: northRecords[0])], from: north.device)
        let maintained = try await storage.scopeIndexRows()
        // Ten records, each indexed at its latest change only (the edited record's first change is gone).
        #expect(Set(maintained.map { $0.split(separator: " ")[1] }).count == 10, "\(maintained)")

        // An existing v1 database: no index yet. Starting the new build fills it from the records.
        // (Later migrations undone too: the runner applies the versions above the highest recorded one.)
        try await TestPostgres.execute("DROP TABLE scope_changes", on: database.url)
        try await TestPostgres.execute("DROP TABLE audit_checkpoints", on: database.url)
        try await TestPostgres.execute("ALTER TABLE history DROP COLUMN state", on: database.url)
        try await TestPostgres.execute("ALTER TABLE quarantine DROP COLUMN chained", on: database.url)
        try await TestPostgres.execute("DROP TABLE roster", on: database.url)
        try await TestPostgres.execute("DROP TABLE open_deadlines", on: database.url)
        try await TestPostgres.execute("DELETE FROM fieldsync_migrations WHERE version >= 2", on: database.url)
        try await storage.prepare()
        #expect(try await storage.scopeIndexRows() == maintained)
        #expect(Set(try await harness.pullAll(north.device).map(\.id.rawValue)) == Set(northRecords.map(\.id.rawValue)))
        #expect(try await harness.pullAll(south.device).count == 4)
        await storage.close()
        await database.drop()
    }

    @Test("a bad connection URL is a configuration error naming the key")
    func badURL() throws {
        for url in ["mysql://x@h/db", "postgres:///nohost", "postgres://@127.0.0.1/db", "postgres://u@h/db?sslmode=maybe"] {
            #expect(throws: ServerConfigError.self, "\(url)") { _ = try PostgresStorage(url: url) }
        }
        #expect(PostgresStorage.redacted("postgres://u:secret@h:5432/db").contains("secret") == false)
    }

    /// A cluster of its own (so the other tests' cluster keeps running): pushes keep coming while
    /// PostgreSQL stops at once (as in a crash) and starts again. Terminals retry a failed push with the
    /// same batch, as the sync engine does; afterwards every record is stored exactly once. This test found
    /// a push hanging forever after the crash (a ROLLBACK sent on the reset connection was never answered);
    /// the time limit keeps a regression from stalling CI.
    @Test("PostgreSQL stopping abruptly mid-load loses nothing and duplicates nothing", .timeLimit(.minutes(2)))
    func restartUnderLoad() async throws {
        let cluster = try PrivateCluster(port: 54_331)
        // A fresh database even when an earlier run left the cluster running.
        let database = try await TestPostgres.createDatabase(on: try cluster.start())
        let storage = try PostgresStorage(url: database.url, maximumConnections: 4, timeout: .seconds(15)).runningInBackground()
        do {
            try await restartUnderLoad(storage: storage, cluster: cluster)
        } catch {
            await storage.close()
            cluster.stop()
            throw error
        }
        await storage.close()
        await database.drop()
        cluster.stop()
    }

    private func restartUnderLoad(storage: PostgresStorage, cluster: PrivateCluster) async throws {
        try await storage.prepare()
        let clock = TestClock()
        var settings = SyncService.Settings()
        settings.rateLimit = nil
        let service = SyncService(storage: storage, settings: settings, clock: { clock.now })
        let station = UnitID("KH.P03.S012")
        let token = try await service.createEnrollmentToken(station: station)
        let response = try await service.enroll(EnrollRequest(token: token.token, deviceName: "t"))
        let device = try await service.authenticate(credential: response.credential)
        let factory = RecordFactory(enrolled: response, now: clock.now)
        let batches = try (0..<40).map { batch in
            try (0..<5).map { try factory.patrolSignIn("r-\(batch)-\($0)") }
        }
        let failures = LockedValue(0)
        let timeouts = LockedValue(0)
        let restarted = LockedValue(false)
        // The crash lands mid-stream by construction, not by timing: the pusher stops after batch 10 until
        // the database is down, so its next push meets the outage; the database comes back only after a
        // push has failed against it.
        let (landed, signalLanded) = AsyncStream<Void>.makeStream()
        let (crashed, signalCrashed) = AsyncStream<Void>.makeStream()
        let (refused, signalRefused) = AsyncStream<Void>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var crashedSignal = crashed.makeAsyncIterator()
                for (index, records) in batches.enumerated() {
                    if index == 10 {
                        signalLanded.yield()
                        await crashedSignal.next()
                    }
                    var attempts = 0
                    while true {
                        attempts += 1
                        do {
                            let results = try await service.push(PushRequest(batchID: "b\(index)", records: records), from: device).results
                            guard results.allSatisfy({ if case .accepted = $0.outcome { true } else { false } }) else {
                                throw ConformanceFailure("refused after the restart: \(results)")
                            }
                            break
                        } catch let error as ServerError where error.code == .unavailable && attempts < 200 {
                            if failures.update({ (count: inout Int) -> Int in count += 1; return count }) == 1 { signalRefused.yield() }
                            if error.description.contains("did not answer") { timeouts.update { $0 += 1 } }
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                }
            }
            group.addTask {
                var landedSignal = landed.makeAsyncIterator(), refusedSignal = refused.makeAsyncIterator()
                await landedSignal.next()
                try cluster.crash()
                signalCrashed.yield()
                await refusedSignal.next()
                try cluster.resume()
                restarted.update { $0 = true }
            }
            try await group.waitForAll()
        }
        #expect(restarted.get())
        #expect(failures.get() >= 1, "a push met the outage")
        var cursor: String?
        var pulled: [RecordID: Int] = [:]
        while true {
            let page = try await service.pull(PullRequest(cursor: cursor, limit: 1_000), for: device)
            for record in page.records { pulled[record.id, default: 0] += 1 }
            cursor = page.cursor
            if !page.hasMore { break }
        }
        #expect(pulled.count == 200 && pulled.values.allSatisfy { $0 == 1 }, "\(pulled.count) records pulled")
        #expect(try await storage.headSequence() == 200, "one change per record, none applied twice")
        #expect(try await service.verifyAudit().isIntact)
        print("PostgreSQL restart under load: \(failures.get()) pushes refused with 503 during the outage (\(timeouts.get()) after the timeout), then retried")
    }
}

/// A PostgreSQL cluster of one test, driven by `.ci/postgres` on its own port and directory.
struct PrivateCluster: Sendable {
    let port: Int
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".ci/postgres").path

    init(port: Int) throws {
        self.port = port
    }

    /// The cluster's URL: the last line `.ci/postgres start` prints.
    func start() throws -> String {
        try run("start").split(separator: "\n").last.map(String.init) ?? ""
    }

    func restart() throws { _ = try run("restart") }

    /// Stops the database at once (as in a crash), keeping its data.
    func crash() throws { _ = try run("crash") }

    /// Starts the crashed database again on the same data.
    func resume() throws { _ = try run("resume") }

    func stop() { _ = try? run("stop") }

    /// Runs `.ci/postgres command` with posix_spawn and waitpid (Foundation's Process can miss the exit of
    /// a child whose own children, the PostgreSQL server, outlive it) and returns what it printed.
    private func run(_ command: String) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-pg-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let line = "FIELDSYNC_PG_PORT=\(port) FIELDSYNC_PG_DIR=/tmp/fieldsync-pg-test-\(port) bash '\(script)' \(command) > '\(output)' 2>&1"
        let strings: [String] = ["/bin/bash", "-c", line]
        var arguments: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        arguments.append(nil)
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", nil, nil, arguments, environ) == 0 else {
            throw ConformanceFailure("cannot run .ci/postgres")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let printed = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else { throw ConformanceFailure(".ci/postgres \(command) failed (\(status)): \(printed)") }
        return printed
    }
}
