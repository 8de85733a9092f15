import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation
import GRDB
import Testing

/// Faults of real processes (issue 8): `fieldsync server` and `fieldsync daemon` killed with SIGKILL
/// mid-work and started again on the same files, and a server whose disk fills up. After each: nothing
/// lost, nothing applied twice, and every replica converges.
@Suite("Real-process faults", .serialized)
struct ProcessFaultTests {
    static let station = UnitID("KH.P03.S012")

    @Test("kill -9 of the server during a large push: restarted on the same file, nothing is lost or applied twice")
    func serverKilledMidPush() async throws {
        let scratch = try Scratch()
        let (server, admin) = try await scratch.startServer(database: scratch.path + "/server.sqlite")
        defer { server.stop() }
        let terminal = try await ProcessTerminal.enrolled(scratch, "pusher", port: server.port, admin: admin)
        let total = 3_000
        try terminal.createRecords(total)

        let pushing = Task { try await terminal.engine.syncUntilCaughtUp() }
        try await waitUntil("the first batch to commit") { try admin.count("records") >= 500 }
        server.kill()
        let committedAtKill = try admin.count("records")
        #expect(committedAtKill < total, "the push had finished before the kill: nothing was tested")
        if case .success = await pushing.result { Issue.record("the sync did not notice that the server died") }

        let (restarted, _) = try await scratch.startServer(database: admin.path)
        defer { restarted.stop() }
        try await terminal.engine(port: restarted.port).syncUntilCaughtUp()
        #expect(try terminal.store.pendingPushCount() == 0)
        #expect(try admin.count("records") == total)
        // One creation per record in the append-only history: nothing was applied twice.
        #expect(try admin.count("history") == total)
        #expect(try await admin.differences(from: terminal) == [])
        #expect(try await admin.service.verifyAudit().isIntact)
    }

    @Test("kill -9 of the daemon mid-pull: the store holds whole pages only, and a restart finishes the pull")
    func daemonKilledMidPull() async throws {
        let scratch = try Scratch()
        let (server, admin) = try await scratch.startServer(database: scratch.path + "/server.sqlite")
        defer { server.stop() }
        let writer = try await ProcessTerminal.enrolled(scratch, "writer", port: server.port, admin: admin)
        let total = 4_000
        try writer.createRecords(total)
        try await writer.engine.syncUntilCaughtUp()

        let token = try await admin.service.createEnrollmentToken(station: Self.station).token
        let config = scratch.path + "/daemon.json"
        let storePath = scratch.path + "/daemon.sqlite"
        let sessions = scratch.path + "/run"
        let settings: [String: Any] = [
            "serverURL": server.baseURL, "storePath": storePath, "sessionDirectory": sessions,
            "scryptRounds": KeyDerivationCost.fast.rounds,
            "deviceName": "reader", "enrollmentToken": token, "statusFile": scratch.path + "/status.json",
            "syncIntervalSeconds": 3_600, "pageSize": 40, "logLevel": "warning",
        ]
        try JSONSerialization.data(withJSONObject: settings).write(to: URL(fileURLWithPath: config))
        // The terminal's first officer creates the store and signs in; the daemon works in that session.
        let keys = StoreKeys(sessionDirectory: sessions, cost: .fast)
        try TerminalStore(path: storePath, access: .create(officer: OfficerID("KH1001"), passphrase: "pin"), keys: keys).close()
        let daemon = try DaemonProcess(config: config)
        let store = StoreFile(path: storePath)
        try await waitUntil("the daemon to apply a page (output: \(daemon.text))") { try store.count() > 0 }
        daemon.kill()
        let held = try store.recordIDs()
        #expect(held.count < total, "the pull had finished before the kill: nothing was tested")
        // Pages are atomic: the store holds exactly the server's records up to its stored cursor
        // (with SQLite storage the cursor is the change sequence).
        let cursor = try #require(try store.checkpoint().flatMap(Int64.init))
        #expect(held == (try admin.recordIDs(upTo: cursor)))

        let restarted = try DaemonProcess(config: config)
        try await waitUntil("the restarted daemon to finish the pull (output: \(restarted.text))") {
            try store.count() == total
        }
        #expect(restarted.terminate() == 0, "\(restarted.text)")
        let reader = try TerminalStore(path: storePath, access: .session, keys: keys)
        defer { try? reader.close() }
        #expect(try reader.heldRecords().isEmpty && reader.pendingPushCount() == 0)
        #expect(try await admin.differences(local: reader.records().map(\.state), replica: reader.identity!.replica) == [])
    }

    @Test("a full disk: pushes are refused with 503 and nothing half-applied; they succeed once space returns",
          .enabled(if: SmallDisk.available, "needs root to mount a small tmpfs"))
    func diskFull() async throws {
        let scratch = try Scratch()
        let disk = try SmallDisk(at: scratch.path + "/disk", megabytes: 32)
        defer { disk.unmount() }
        let (server, admin) = try await scratch.startServer(database: disk.path + "/server.sqlite")
        defer { server.stop() }
        let terminal = try await ProcessTerminal.enrolled(scratch, "counter", port: server.port, admin: admin)
        let total = 1_500
        try terminal.createRecords(total, noteBytes: 400)
        let filler = try disk.fill(leaving: 200 * 1_024)
        #expect(disk.freeBytes < 400 * 1_024)

        do {
            try await terminal.engine.syncUntilCaughtUp()
            Issue.record("every push fit on a full disk: nothing was tested")
        } catch let error as ClientError {
            #expect(error.httpStatus == 503 && error.protocolError?.code == .unavailable, "\(error)")
            #expect(error.isTransient)
        }
        #expect(server.process.isRunning, "the server died of a full disk: \(server.log)")
        // Nothing half-applied: the server holds exactly the records whose push was acknowledged, each
        // as the terminal holds it, each created once.
        let pending = try terminal.store.records(RecordFilter(pendingPushOnly: true)).map(\.id.rawValue)
        let stored = try admin.count("records")
        #expect(stored + pending.count == total && stored < total)
        #expect(try admin.count("history") == stored)
        #expect(try Set(admin.recordIDs(upTo: .max)).isDisjoint(with: pending))

        try FileManager.default.removeItem(atPath: filler)
        do {
            try await terminal.engine.syncUntilCaughtUp()
        } catch {
            Issue.record("after space returned (\(disk.freeBytes) bytes free): \(error); server log: \(server.log)")
            throw error
        }
        #expect(try terminal.store.pendingPushCount() == 0)
        #expect(try admin.count("records") == total && admin.count("history") == total)
        #expect(try await admin.differences(from: terminal) == [])
    }
}

/// A temporary directory, removed afterwards.
final class Scratch {
    let path = NSTemporaryDirectory() + "fieldsync-process-" + UUID().uuidString

    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A `fieldsync server` process on `database` (rate limit off), and the file as the tests read it.
    func startServer(database: String) async throws -> (ServerProcess, ServerFiles) {
        let config = path + "/server.json"
        try Data(#"{"limits": {"rateLimit": {"requestsPerSecond": 0}}, "log": {"level": "warning"}}"#.utf8)
            .write(to: URL(fileURLWithPath: config))
        let server = try await ServerProcess.start(environment: [:], arguments: ["--config", config, "--database", database])
        return (server, try ServerFiles(database: database))
    }
}

/// The server's database file as a second process sees it: an in-process service for administration
/// (enrollment tokens, audit) and plain reads for the checks.
struct ServerFiles {
    let path: String
    let service: SyncService
    let queue: DatabaseQueue

    init(database: String) throws {
        path = database
        service = SyncService(storage: try SQLiteStorage(path: database))
        queue = try DatabaseQueue(path: database)
    }

    func count(_ table: String) throws -> Int {
        try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM \(table)") ?? 0 }
    }

    func recordIDs(upTo sequence: Int64) throws -> [String] {
        try queue.read { try String.fetchAll($0, sql: "SELECT id FROM records WHERE seq <= ? ORDER BY id", arguments: [sequence]) }
    }

    func differences(from terminal: ProcessTerminal) async throws -> [String] {
        try await differences(local: terminal.store.records().map(\.state), replica: terminal.store.identity!.replica)
    }

    func differences(local: [RecordState], replica: ReplicaID) async throws -> [String] {
        var server: [RecordState] = []
        var cursor: UInt64 = 0
        while true {
            let page = try await service.storage.pullPage(after: cursor, scopes: Device.scopes(ofStation: ProcessFaultTests.station), limit: 1_000)
            server += try page.states.map { try JSONDecoder().decode(RecordState.self, from: $0) }
            cursor = page.cursor
            if !page.hasMore { break }
        }
        return ConvergenceCheck.differences(local: local, server: server, terminal: replica)
    }
}

/// A terminal store file another process (the daemon) writes, read directly.
struct StoreFile {
    let path: String

    private func read<T>(_ body: (Database) throws -> T) throws -> T? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        // The daemon may hold the file's lock while it creates and migrates the store.
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in try db.tableExists("record") ? body(db) : nil }
    }

    func count() throws -> Int { try read { try Int.fetchOne($0, sql: "SELECT count(*) FROM record") ?? 0 } ?? 0 }
    func recordIDs() throws -> [String] { try read { try String.fetchAll($0, sql: "SELECT id FROM record ORDER BY id") } ?? [] }
    func checkpoint() throws -> String? { try read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = 'checkpoint'") } ?? nil }
}

/// An in-process terminal talking real HTTP to a real server process.
struct ProcessTerminal {
    let store: TerminalStore
    let engine: SyncEngine

    static func enrolled(_ scratch: Scratch, _ name: String, port: Int, admin: ServerFiles) async throws -> ProcessTerminal {
        let store = try TerminalStore(path: "\(scratch.path)/\(name).sqlite", access: .create(officer: OfficerID("KH1001"), passphrase: "pin"),
                                      keys: StoreKeys(cost: .fast))
        let terminal = ProcessTerminal(store: store, engine: engine(store, port: port))
        let token = try await admin.service.createEnrollmentToken(station: ProcessFaultTests.station)
        _ = try await terminal.engine.enroll(token: token.token, deviceName: name)
        return terminal
    }

    /// The engine of this terminal's store towards a server (restarted) on `port`.
    func engine(port: Int) -> SyncEngine { Self.engine(store, port: port) }

    private static func engine(_ store: TerminalStore, port: Int) -> SyncEngine {
        SyncEngine(store: store, transport: HTTPTransport(baseURL: URL(string: "http://127.0.0.1:\(port)")!, timeout: 60),
                   makeBatchID: { UUID().uuidString })
    }

    /// `count` household visits and patrol sign-ins, each with a note of about `noteBytes`.
    func createRecords(_ count: Int, noteBytes: Int = 40) throws {
        let officer = OfficerID("KH1001")
        let now = WallClock.milliseconds(Date())
        for index in 0..<count {
            if index.isMultiple(of: 2) {
                try store.createPatrolSignIn(NewPatrolSignIn(officers: [officer], checkpoint: "CP-\(index)", unit: ProcessFaultTests.station,
                                                             signedAt: now, method: .qr, note: String(repeating: "n", count: noteBytes)),
                                             by: officer)
            } else {
                try store.createHouseholdVisit(NewHouseholdVisit(beat: UnitID("KH.P03.S012.B0001"), household: "H-\(index)", officer: officer,
                                                                 subjectCategory: "elderlyAlone", visitKind: "care", visitedAt: now,
                                                                 note: String(repeating: "v", count: noteBytes)),
                                               by: officer)
            }
        }
    }
}

extension ServerProcess {
    /// What the server wrote to its log so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// A small tmpfs, so that the disk really fills (root only).
struct SmallDisk {
    let path: String

    static let available: Bool = {
        guard getuid() == 0 else { return false }
        let probe = NSTemporaryDirectory() + "fieldsync-mount-probe-" + UUID().uuidString
        guard let disk = try? SmallDisk(at: probe, megabytes: 1) else { return false }
        disk.unmount()
        return true
    }()

    init(at path: String, megabytes: Int) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]) == 0 else {
            throw ProcessTestFailure(description: "mount -t tmpfs failed at \(path)")
        }
    }

    func unmount() {
        // Lazily: the test may still hold the database open while it unwinds.
        _ = Self.run("/bin/umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    var freeBytes: Int {
        ((try? FileManager.default.attributesOfFileSystem(forPath: path))?[.systemFreeSize] as? NSNumber)?.intValue ?? 0
    }

    /// A file taking all free space but `bytes`; its path.
    func fill(leaving bytes: Int) throws -> String {
        let filler = path + "/filler"
        try Data(count: max(0, freeBytes - bytes)).write(to: URL(fileURLWithPath: filler))
        return filler
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
