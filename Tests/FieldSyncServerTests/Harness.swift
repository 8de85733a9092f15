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
    let storage: any SyncStorage
    let clock: TestClock
    /// The SQLite file; PostgreSQL harnesses have `postgres` instead.
    let path: String
    let postgres: TestStorage?

    /// `signed`: the storage signs audit checkpoints with `TestStorage.testSigner()`.
    init(backend: TestBackend = .sqlite, signed: Bool = true, configure: (inout SyncService.Settings) -> Void = { _ in }) async throws {
        let signer = signed ? try TestStorage.testSigner() : nil
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-tests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.appendingPathComponent("server.sqlite").path
            storage = try SQLiteStorage(path: path, auditSigner: signer)
            try await storage.prepare()
            postgres = nil
        case .postgres:
            let made = try await TestStorage.make(.postgres, auditSigner: signer)
            storage = made.storage
            postgres = made
            path = ""
        }
        let clock = TestClock()
        self.clock = clock
        var settings = SyncService.Settings()
        settings.adminTokenHash = AdminToken.verifier(of: TestServer.adminToken)
        settings.rateLimit = nil
        settings.unauthenticatedRateLimit = nil
        configure(&settings)
        service = SyncService(storage: storage, settings: settings, clock: { clock.now })
    }

    /// An enrolled device and a record factory writing as it.
    func enroll(_ station: UnitID, name: String = "terminal") async throws -> (device: Device, credential: String, factory: RecordFactory) {
        let token = try await service.createEnrollmentToken(station: station)
        let response = try await service.enroll(EnrollRequest(token: token.token, deviceName: name))
        let device = try await service.authenticate(credential: response.credential)
        return (device, response.credential, RecordFactory(enrolled: response, now: clock.now))
    }

    func push(_ records: [RecordState], from device: Device, batch: String = UUID().uuidString) async throws -> [RecordResult] {
        try await service.push(PushRequest(batchID: batch, records: records), from: device).results
    }

    /// Every record the device can pull, following pages to the end.
    func pullAll(_ device: Device, limit: Int = 1_000) async throws -> [RecordState] {
        try await service.pullAll(device, limit: limit)
    }

    /// Direct database access, for counting rows and for tampering the way an intruder would (SQLite).
    func database() throws -> DatabaseQueue {
        precondition(postgres == nil, "database() is the SQLite file; PostgreSQL harnesses use textRows")
        return try DatabaseQueue(path: path)
    }

    /// Runs tampering SQL the way an intruder with database access would, on either backend.
    func tamper(_ statements: String...) async throws {
        if postgres == nil {
            try await database().write { db in for statement in statements { try db.execute(sql: statement) } }
        } else {
            guard let storage = storage as? PostgresStorage else { preconditionFailure("a PostgreSQL harness has PostgresStorage") }
            for statement in statements { try await storage.execute(unsafeSQL: statement) }
        }
    }

    /// The rows of a one-column text query on the PostgreSQL database of this harness.
    func textRows(_ sql: String) async throws -> [String] {
        guard let storage = storage as? PostgresStorage else { preconditionFailure("textRows is the PostgreSQL database; SQLite harnesses use database()") }
        return try await storage.textRows(sql)
    }

    /// Removes the PostgreSQL database (SQLite files are left to the temporary directory).
    func dispose() async {
        await postgres?.dispose()
    }

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
