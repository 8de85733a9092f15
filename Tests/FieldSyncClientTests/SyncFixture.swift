import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation

/// A live server on a loopback port and real terminals, each with its own SQLite store and key file in
/// a temporary directory and an `HTTPTransport`: the whole terminal side over real HTTP.
final class SyncFixture: Sendable {
    static let stationA = UnitID("KH.P03.S012")
    static let stationB = UnitID("KH.P05.S031")

    let server: TestServer
    let directory: URL

    init(configure: (inout ServerConfig) -> Void = { _ in }) async throws {
        server = try await TestServer.start(configure: configure)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-client-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func tearDown() async throws {
        try await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var http: HTTPTransport { HTTPTransport(baseURL: URL(string: server.baseURL)!, timeout: 30) }

    /// A terminal of `station` with `officer` signed in, enrolled over HTTP with a token the administrator issued.
    func terminal(_ name: String, station: UnitID, officer: OfficerID = OfficerID("KH1001"),
                  transport: (any SyncTransport)? = nil) async throws -> Terminal {
        let clock = server.clock
        let store = try TerminalStore(path: directory.appendingPathComponent("\(name).sqlite").path,
                                      access: .create(officer: officer, passphrase: "pin-\(officer)"), keys: StoreKeys(cost: .fast),
                                      now: { clock.now })
        // Small batches and pages so that every test crosses several round trips.
        let engine = SyncEngine(store: store, transport: transport ?? http, batchSize: 3, pageSize: 4,
                                makeBatchID: { UUID().uuidString })
        let token = try await server.service.createEnrollmentToken(station: station)
        _ = try await engine.enroll(token: token.token, deviceName: name)
        return Terminal(name: name, store: store, engine: engine)
    }

    /// Every record the server lets `terminal` see, as the server holds it.
    func serverRecords(visibleTo terminal: Terminal) async throws -> [RecordID: RecordState] {
        let device = try await server.service.authenticate(credential: try terminal.store.identity!.credential)
        var cursor: String?
        var records: [RecordID: RecordState] = [:]
        while true {
            let page = try await server.service.pull(PullRequest(cursor: cursor, limit: 1_000), for: device)
            for state in page.records { records[state.id] = state }
            cursor = page.cursor
            if !page.hasMore { return records }
        }
    }

    /// What differs between the terminal's records and the server's records visible to it: empty when
    /// they have converged.
    func divergence(of terminal: Terminal) async throws -> [String] {
        let server = try await serverRecords(visibleTo: terminal)
        return ConvergenceCheck.differences(local: try terminal.store.records().map(\.state), server: Array(server.values),
                                            terminal: try terminal.store.identity!.replica)
    }
}

/// One simulated terminal: its store and its sync engine.
struct Terminal: Sendable {
    let name: String
    let store: TerminalStore
    let engine: SyncEngine

    @discardableResult
    func sync() async throws -> SyncEngine.Report { try await engine.syncUntilCaughtUp() }
}
