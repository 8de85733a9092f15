import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation
import Testing

/// Three `fieldsync server` processes on one PostgreSQL database, terminals spread across them, random
/// concurrent edits: afterwards every terminal and every node agree on every record.
@Suite("PostgreSQL: several server processes, one database",
       .enabled(if: TestPostgres.isEnabled, "set FIELDSYNC_TEST_POSTGRES_URL (.ci/postgres start)"))
struct MultiNodeTests {
    static let stationA = UnitID("KH.P03.S012")
    static let stationB = UnitID("KH.P05.S031")
    static let officer = OfficerID("KH1234")

    @Test("terminals on three nodes converge after random concurrent edits; receipt numbers stay unique")
    func threeNodes() async throws {
        let database = try await TestPostgres.createDatabase()
        let environment = [
            "FIELDSYNC_STORAGE_BACKEND": "postgres",
            "FIELDSYNC_STORAGE_POSTGRES_URL": database.url,
            "FIELDSYNC_STORAGE_POSTGRES_MAX_CONNECTIONS": "6",
            "FIELDSYNC_ADMIN_TOKEN_HASH": AdminToken.verifier(of: TestServer.adminToken),
            "FIELDSYNC_LIMITS_RATE_LIMIT_REQUESTS_PER_SECOND": "0",
            "FIELDSYNC_LOG_LEVEL": "warning",
        ]
        // Started together: they race to migrate the empty database, and one migration must win cleanly.
        async let first = ServerProcess.start(environment: environment)
        async let second = ServerProcess.start(environment: environment)
        async let third = ServerProcess.start(environment: environment)
        let nodes = try await [first, second, third]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-multinode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try await converge(nodes: nodes, directory: directory)
        } catch {
            for node in nodes { node.stop() }
            await database.drop()
            throw error
        }
        for node in nodes { node.stop() }
        try? FileManager.default.removeItem(at: directory)
        await database.drop()
    }

    func converge(nodes: [ServerProcess], directory: URL) async throws {
        let clock: @Sendable () -> Int64 = { WallClock.milliseconds(Date()) }
        // Six terminals: four at station A, two at station B; terminal i syncs through node i % 3 and
        // was enrolled with a token issued by another node.
        var terminals: [(store: TerminalStore, engine: SyncEngine, station: UnitID)] = []
        for index in 0..<6 {
            let station = index < 4 ? Self.stationA : Self.stationB
            let admin = HTTPTestClient(baseURL: nodes[(index + 1) % 3].baseURL)
            let reply = try await admin.post("/v1/admin/enrollment-tokens", ["station": station.rawValue], bearer: TestServer.adminToken)
            #expect(reply.status == 201, "token: \(String(decoding: reply.body, as: UTF8.self))")
            let token = try reply.decode(IssuedEnrollmentToken.self)
            let store = try TerminalStore(path: directory.appendingPathComponent("t\(index).sqlite").path,
                                          access: .create(officer: Self.officer, passphrase: "pin"), keys: StoreKeys(cost: .fast), now: clock)
            let engine = SyncEngine(store: store, transport: HTTPTransport(baseURL: URL(string: nodes[index % 3].baseURL)!, timeout: 30),
                                    batchSize: 5, pageSize: 7, makeBatchID: { UUID().uuidString })
            _ = try await engine.enroll(token: token.token, deviceName: "terminal-\(index)")
            terminals.append((store, engine, station))
        }
        var random = SeededRandom(seed: 6)
        for round in 0..<5 {
            for (index, terminal) in terminals.enumerated() {
                for step in 0..<Int(2 + random.next() % 4) {
                    let existing = try terminal.store.records().filter { $0.state.type == .incidentReport }.map(\.state.id)
                    switch random.next() % 4 {
                    case 0 where !existing.isEmpty:
                        let id = existing[Int(random.next() % UInt64(existing.count))]
                        _ = try terminal.store.edit(id, [.set("narrative", .string("t\(index) r\(round) s\(step)"))], by: Self.officer)
                    case 1 where !existing.isEmpty:
                        let id = existing[Int(random.next() % UInt64(existing.count))]
                        _ = try terminal.store.addNote(to: id, "note t\(index) r\(round) s\(step)", by: Self.officer)
                    case 2:
                        _ = try terminal.store.createPatrolSignIn(NewPatrolSignIn(
                            officers: [Self.officer], checkpoint: "CP-\(index)-\(round)-\(step)", unit: terminal.station,
                            signedAt: clock(), method: .qr, location: (22_627_000, 120_301_000), accuracyMetres: 8), by: Self.officer)
                    default:
                        _ = try terminal.store.createIncidentReport(NewIncidentReport(
                            receivedAt: clock(), receivingUnit: terminal.station, category: "theft", severity: "minor",
                            narrative: "t\(index) r\(round) s\(step)", reporterName: "陳大文", reporterContact: "0912-000-111"),
                            by: Self.officer)
                    }
                }
            }
            // Every terminal syncs at once, through its own node.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for terminal in terminals { group.addTask { _ = try await terminal.engine.syncUntilCaughtUp() } }
                try await group.waitForAll()
            }
        }
        // Two quiet rounds carry the last writes everywhere.
        for _ in 0..<2 {
            for terminal in terminals { _ = try await terminal.engine.syncUntilCaughtUp() }
        }
        var receiptNumbers: [String: RecordID] = [:]
        for (index, terminal) in terminals.enumerated() {
            #expect(try terminal.store.pendingPushCount() == 0, "terminal \(index) has an outbox left")
            let local = try terminal.store.records().map(\.state)
            let identity = try #require(try terminal.store.identity)
            for (nodeIndex, node) in nodes.enumerated() {
                let served = try await Self.pullAll(from: node, credential: identity.credential)
                let differences = ConvergenceCheck.differences(local: local, server: served, terminal: identity.replica)
                #expect(differences.isEmpty, "terminal \(index) vs node \(nodeIndex): \(differences.prefix(5))")
            }
            let peers = terminals.filter { $0.station == terminal.station }
            for peer in peers {
                #expect(Set(try peer.store.records().map(\.state.id)) == Set(local.map(\.id)), "terminals of one station hold the same records")
            }
            for state in local where state.type == .incidentReport {
                let number = try #require(state.entries("receiptNumber").first?.value.stringValue)
                #expect(receiptNumbers[number] == nil || receiptNumbers[number] == state.id, "receipt number \(number) on two cases")
                receiptNumbers[number] = state.id
            }
        }
        #expect(receiptNumbers.count >= 6, "the run created incident reports")
    }

    /// Everything the node serves to the terminal with `credential`.
    static func pullAll(from node: ServerProcess, credential: String) async throws -> [RecordState] {
        let transport = HTTPTransport(baseURL: URL(string: node.baseURL)!, timeout: 30)
        var cursor: String?
        var records: [RecordState] = []
        while true {
            let response = try await transport.sync(SyncRequest(push: nil, pull: PullRequest(cursor: cursor, limit: 500)), credential: credential)
            let page = try #require(response.pull)
            records += page.records
            cursor = page.cursor
            if !page.hasMore { return records }
        }
    }
}
