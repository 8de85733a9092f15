import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import GRDB

/// A SyncService over a fresh SQLite file with a test clock: the transport-free half of the tests.
struct Harness {
    static let stationA = UnitID("KH.P03.S012")
    static let stationB = UnitID("KH.P05.S031")

    let service: SyncService
    let storage: SQLiteStorage
    let clock: TestClock
    let path: String

    init(configure: (inout SyncService.Settings) -> Void = { _ in }) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("server.sqlite").path
        storage = try SQLiteStorage(path: path)
        try await storage.prepare()
        let clock = TestClock()
        self.clock = clock
        var settings = SyncService.Settings()
        settings.adminTokenHash = DeviceCredential.hashHex(TestServer.adminToken)
        settings.rateLimit = nil
        configure(&settings)
        service = SyncService(storage: storage, settings: settings, clock: { clock.now })
    }

    /// An enrolled device and a record factory writing as it.
    func enroll(_ station: UnitID, name: String = "terminal") async throws -> (device: Device, credential: String, factory: RecordFactory) {
        let token = try await service.createEnrollmentToken(station: station)
        let response = try await service.enroll(EnrollRequest(token: token.token, deviceName: name))
        let device = try await service.authenticate(credential: response.credential)
        return (device, response.credential, RecordFactory(replica: response.replica, station: station, now: clock.now))
    }

    func push(_ records: [RecordState], from device: Device, batch: String = UUID().uuidString) async throws -> [RecordResult] {
        try await service.push(PushRequest(batchID: batch, records: records), from: device).results
    }

    /// Every record the device can pull, following pages to the end.
    func pullAll(_ device: Device, limit: Int = 1_000) async throws -> [RecordState] {
        var cursor: String?
        var records: [RecordState] = []
        while true {
            let page = try await service.pull(PullRequest(cursor: cursor, limit: limit), for: device)
            records += page.records
            cursor = page.cursor
            if !page.hasMore { return records }
        }
    }

    /// Direct database access, for counting rows and for tampering the way an intruder would.
    func database() throws -> DatabaseQueue { try DatabaseQueue(path: path) }

    func count(_ table: String) throws -> Int {
        try database().read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }
}

extension RecordResult {
    var rejection: Rejection? { if case .rejected(let rejection, _) = outcome { rejection } else { nil } }
    var sequence: UInt64? { if case .accepted(let seq) = outcome { seq } else { nil } }
    var current: RecordState? { if case .rejected(_, let current) = outcome { current } else { nil } }
}

/// Writes that a correct terminal would never make, built without the core's local validation,
/// to prove the server refuses them.
enum Forge {
    /// A new write of `field` = `value` by `replica`, covered by the context as a real write would be.
    static func set(_ field: String, _ value: FieldValue?, in state: RecordState, by replica: ReplicaID,
                    wall: Int64, author: OfficerID = OfficerID("KH1234")) -> RecordState {
        var next = state
        let dot = next.context.advance(replica)
        next.fields[field] = value.map { [FieldEntry(dot: dot, stamp: HLCTimestamp(wall: wall), author: author, value: $0)] }
        return next
    }
}
