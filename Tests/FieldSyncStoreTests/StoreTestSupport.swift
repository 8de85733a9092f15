import Crypto
import FieldSyncCore
import Foundation
@testable import FieldSyncStore
import FieldSyncTestSupport
import Synchronization
import Testing

/// A fresh directory under the system temp directory, removed when the test is done with it.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "fieldsync-store-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var storePath: String { path + "/terminal.sqlite" }
    /// A v3 store's key file (the legacy tests write one).
    var keyPath: String { path + "/terminal.key" }
    var keyringPath: String { storePath + ".keyring" }
    /// The RAM-only session directory stand-in.
    var sessionDirectory: String { path + "/run" }
}

/// Record ids `rec-0001`, `rec-0002`, ...
final class SequentialIDs: Sendable {
    private let next = Mutex(0)
    func make() -> String { next.withLock { $0 += 1; return String(format: "rec-%04d", $0) } }
}

struct StoreFixture {
    /// The store tests' start time: 2025-11-23T08:00:00Z.
    static let start: Int64 = 1_763_884_800_000
    let directory: TemporaryDirectory
    let clock = TestClock(StoreFixture.start)
    let ids = SequentialIDs()
    let store: TerminalStore

    static let replica = ReplicaID("T-KH-0001")
    static let station = UnitID("KH.P03.S012")
    static let officer = OfficerID("A12345")
    static let otherOfficer = OfficerID("B67890")
    static let lease = ReceiptLease(prefix: "KH.P03.S012", first: 1, last: 50)
    static let passphrase = "4711-A12345"
    static let supervisor = OfficerID("C00001")
    /// Small scrypt parameters: the tests prove the design, not the cost.
    static let keys = StoreKeys(cost: .fast)

    /// A new store in a new directory, enrolled unless `enrolled` is false.
    init(enrolled: Bool = true, leaseLowWater: Int64 = 20) throws {
        directory = try TemporaryDirectory()
        store = try Self.open(directory, clock: clock, ids: ids, leaseLowWater: leaseLowWater)
        if enrolled { try store.saveEnrollment(Self.enrollment()) }
    }

    /// Opens the store as `officer` (the fixture's officer), creating it with the fixture's three
    /// officers when the directory has no keyring yet.
    static func open(_ directory: TemporaryDirectory, clock: TestClock = TestClock(StoreFixture.start), ids: SequentialIDs = SequentialIDs(),
                     leaseLowWater: Int64 = 20, as officer: OfficerID = officer, keys: StoreKeys = keys) throws -> TerminalStore {
        let creating = !FileManager.default.fileExists(atPath: directory.keyringPath)
        let store = try TerminalStore(path: directory.storePath,
                                      access: creating ? .create(officer: Self.officer, passphrase: passphrase)
                                                       : .signIn(officer: officer, passphrase: passphrase),
                                      keys: keys, leaseLowWater: leaseLowWater, now: { clock.now }, makeID: { ids.make() })
        if creating {
            for other in [otherOfficer, supervisor] { try store.addOfficer(other, passphrase: passphrase) }
            if officer != Self.officer { try store.signIn(officer, passphrase: passphrase) }
        }
        return store
    }

    /// Signs `officer` in on the fixture's store (every officer of the fixture shares the passphrase).
    func signIn(_ officer: OfficerID) throws {
        try store.signIn(officer, passphrase: Self.passphrase)
    }

    func reopen() throws -> TerminalStore {
        try store.close()
        return try Self.open(directory, clock: clock, ids: ids)
    }

    static func enrollment(replica: ReplicaID = replica, lease: ReceiptLease = lease) -> EnrollResponse {
        EnrollResponse(replica: replica, credential: "device-secret-0001", station: station, scopes: [station],
                       lease: lease, serverTime: TestClock(StoreFixture.start).now)
    }

    static func visit(beat: String = "KH.P03.S012.B0456", name: String? = "王小明") -> NewHouseholdVisit {
        NewHouseholdVisit(beat: UnitID(beat), household: "H-0001", officer: officer, subjectCategory: "elderlyAlone",
                          visitKind: "care", visitedAt: 1_763_884_000_000, subjectName: name,
                          subjectNationalID: "A123456789", subjectPhone: "0912-345-678")
    }

    static func signIn(unit: String = "KH.P03.S012") -> NewPatrolSignIn {
        NewPatrolSignIn(officers: [officer, otherOfficer], checkpoint: "BANK-17", unit: UnitID(unit),
                        signedAt: 1_763_884_000_000, method: .qr, location: (22_627_000, 120_301_000), accuracyMetres: 8)
    }

    static func incident(narrative: String = "Bicycle stolen outside the station") -> NewIncidentReport {
        NewIncidentReport(receivedAt: 1_763_884_000_000, receivingUnit: station, category: "theft", severity: "minor",
                          narrative: narrative, reporterName: "陳大文", reporterContact: "0912-000-111")
    }

    /// A state of `base` as another replica wrote it: `operations` applied as that replica's write.
    static func remoteEdit(_ base: RecordState, _ operations: [FieldOperation], replica: ReplicaID = ReplicaID("T-KH-0002"),
                           author: OfficerID = otherOfficer, wall: Int64) throws -> RecordState {
        let schema = SchemaRegistry.standard[base.type]!
        return try schema.apply(operations, to: base, origin: WriteOrigin(replica: replica, author: author,
                                                                           stamp: HLCTimestamp(wall: wall)))
    }

    /// A record created by another replica.
    static func remoteCreate(_ type: RecordType, id: String, _ operations: [FieldOperation],
                             replica: ReplicaID = ReplicaID("T-KH-0002"), wall: Int64) throws -> RecordState {
        try SchemaRegistry.standard[type]!.create(id: RecordID(id), operations, origin: WriteOrigin(
            replica: replica, author: otherOfficer, stamp: HLCTimestamp(wall: wall)))
    }

    static func page(_ records: [RecordState], cursor: String, hasMore: Bool = false) -> PullPage {
        PullPage(records: records, cursor: cursor, hasMore: hasMore, serverTime: TestClock(StoreFixture.start).now)
    }
}

/// Runs `body` and returns the `StoreError` it threw, failing the test when it threw something else or nothing.
func storeError(_ body: () throws -> Void) -> StoreError? {
    do {
        try body()
        Issue.record("expected a StoreError, nothing was thrown")
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("expected a StoreError, got \(error)")
    }
    return nil
}

/// Every byte of the store's files (main file, WAL, SHM, keyring and its journal), for checks that
/// plaintext never reaches disk.
func storeBytes(_ directory: TemporaryDirectory) -> Data {
    var bytes = Data()
    for file in ["", "-wal", "-shm", ".keyring", ".keyring-journal"].map({ directory.storePath + $0 }) {
        if let data = FileManager.default.contents(atPath: file) { bytes.append(data) }
    }
    return bytes
}

/// A digest of the store's files, to compare before and after without printing megabytes on failure.
func storeDigest(_ directory: TemporaryDirectory) -> String {
    SHA256.hash(data: storeBytes(directory)).map { String(format: "%02x", $0) }.joined()
}
