import FieldSyncCore
import Foundation
@testable import FieldSyncStore
import GRDB
import Testing

@Suite("Officers, sign-in and sessions")
struct OfficerSessionTests {
    static let pin = StoreFixture.passphrase

    @Test("the first officer creates the store; only a signed-in officer adds another; the last officer stays")
    func officersAndProvisioning() throws {
        let directory = try TemporaryDirectory()
        let path = directory.storePath
        #expect(storeError { _ = try TerminalStore(path: path, access: .signIn(officer: StoreFixture.officer, passphrase: Self.pin),
                                                   keys: StoreFixture.keys) }?.code == .noStore)
        let store = try TerminalStore(path: path, access: .create(officer: StoreFixture.officer, passphrase: Self.pin), keys: StoreFixture.keys)
        #expect(store.signedInOfficer == StoreFixture.officer)
        #expect(storeError { _ = try TerminalStore(path: path, access: .create(officer: StoreFixture.otherOfficer, passphrase: "x"),
                                                   keys: StoreFixture.keys) }?.code == .alreadyExists)
        try store.addOfficer(StoreFixture.otherOfficer, passphrase: "5566")
        #expect(storeError { try store.addOfficer(StoreFixture.otherOfficer, passphrase: "7788") }?.code == .alreadyExists)
        #expect(try store.officers() == [StoreFixture.officer, StoreFixture.otherOfficer])

        try store.signOut()
        #expect(store.signedInOfficer == nil)
        #expect(storeError { try store.addOfficer(StoreFixture.supervisor, passphrase: "9900") }?.code == .locked)
        #expect(storeError { try store.removeOfficer(StoreFixture.officer) }?.code == .locked)
        try store.signIn(StoreFixture.otherOfficer, passphrase: "5566")
        try store.removeOfficer(StoreFixture.officer)
        #expect(storeError { try store.removeOfficer(StoreFixture.otherOfficer) }?.code == .lastOfficer)
        #expect(storeError { try store.signIn(StoreFixture.officer, passphrase: Self.pin) }?.code == .unknownOfficer)
    }

    @Test("a sign-in reaches the terminal's other processes through the session directory, and ends with sign-out")
    func sessionAcrossProcesses() throws {
        let fixture = try StoreFixture()
        let directory = fixture.directory
        try fixture.store.close()
        let keys = StoreKeys(sessionDirectory: directory.sessionDirectory, cost: .fast)
        let path = directory.storePath
        #expect(storeError { _ = try TerminalStore(path: path, access: .session, keys: keys) }?.code == .locked)
        let daemon = try TerminalStore(path: path, access: .locked, keys: keys)
        #expect(storeError { try daemon.refreshSession() }?.code == .locked)
        #expect(storeError { _ = try daemon.pendingPush() }?.code == .locked)

        let app = try TerminalStore(path: path, access: .signIn(officer: StoreFixture.officer, passphrase: Self.pin), keys: keys)
        let command = try TerminalStore(path: path, access: .session, keys: keys)
        #expect(command.signedInOfficer == StoreFixture.officer)
        let visit = try command.createHouseholdVisit(StoreFixture.visit(), by: StoreFixture.officer)
        #expect(storeError { try command.addNote(to: visit.id, "x", by: StoreFixture.otherOfficer) }?.code == .wrongOfficer)
        try daemon.refreshSession()
        #expect(try daemon.pendingPush().map(\.id) == [visit.id])

        // Another officer takes the terminal over: the other processes follow at their next refresh.
        try app.signIn(StoreFixture.otherOfficer, passphrase: Self.pin)
        try daemon.refreshSession()
        #expect(daemon.signedInOfficer == StoreFixture.otherOfficer)

        try app.signOut()
        #expect(daemon.lockIfSignedOut(), "the daemon's watcher forgets the key as soon as the session is gone")
        #expect(daemon.signedInOfficer == nil && !daemon.lockIfSignedOut())
        #expect(storeError { try daemon.refreshSession() }?.code == .locked)
        #expect(storeError { _ = try daemon.records() }?.code == .locked)
        #expect(storeError { _ = try TerminalStore(path: path, access: .session, keys: keys) }?.code == .locked)
        // Nothing is lost while locked: the outbox is there for the next officer who signs in.
        try app.signIn(StoreFixture.officer, passphrase: Self.pin)
        try daemon.refreshSession()
        #expect(try daemon.pendingPushCount() == 1)
    }

    @Test("a store in a directory shared with others (sticky, like /tmp) is refused; its own directory is made 0700")
    func directoryPermissions() throws {
        let directory = try TemporaryDirectory()
        let shared = directory.path + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false)
        #expect(chmod(shared, 0o1777) == 0)
        #expect(storeError { _ = try TerminalStore(path: shared + "/t.sqlite", access: .create(officer: StoreFixture.officer, passphrase: Self.pin),
                                                   keys: StoreFixture.keys) }?.code == .insecurePermissions)
        #expect(try FileManager.default.contentsOfDirectory(atPath: shared).isEmpty, "a refused store left files behind")
        let own = directory.path + "/own"
        try FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        _ = try TerminalStore(path: own + "/t.sqlite", access: .create(officer: StoreFixture.officer, passphrase: Self.pin), keys: StoreFixture.keys)
        #expect(try AtRestTests.mode(own) == 0o700)
        // A directory that does not exist yet is created 0700.
        _ = try TerminalStore(path: directory.path + "/new/deeper/t.sqlite",
                              access: .create(officer: StoreFixture.officer, passphrase: Self.pin), keys: StoreFixture.keys)
        #expect(try AtRestTests.mode(directory.path + "/new/deeper") == 0o700)
    }

    // MARK: - A v3 store

    /// A store as v3 wrote it: plaintext states (sensitive values sealed under a key file beside it).
    static func writeV3Store(_ directory: TemporaryDirectory) throws -> RecordState {
        let legacy = FieldCipher(key: try KeyFile.create(at: directory.keyPath))
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { try $0.execute(sql: StoreMigrations.v1) }
        migrator.registerMigration("v2") { try $0.execute(sql: StoreMigrations.v2) }
        migrator.registerMigration("v3") { try $0.execute(sql: StoreMigrations.v3) }
        let queue = try DatabaseQueue(path: directory.storePath)
        defer { try? queue.close() }
        try migrator.migrate(queue)
        let schema = RecordSchema.householdVisit
        var new = StoreFixture.visit(name: "V3-SUBJECT-NAME")
        new.note = "V3-PLAINTEXT-NOTE"
        new.household = "V3-HOUSEHOLD-REF"
        let visit = try schema.create(id: RecordID("v3-visit"), new.operations, origin: WriteOrigin(
            replica: StoreFixture.replica, author: StoreFixture.officer, stamp: HLCTimestamp(wall: 1_763_884_000_000)))
        let sealed = StateJSON.encode(try legacy.sealingSensitive(visit, schema: schema))
        try queue.write { db in
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('keyCheck', ?)", arguments: [try legacy.makeKeyCheck()])
            try db.execute(sql: "INSERT INTO identity VALUES (1, ?, ?, ?, ?, 0)", arguments: [
                StoreFixture.replica.rawValue, StoreFixture.station.rawValue, "[\"\(StoreFixture.station.rawValue)\"]",
                try legacy.seal("device-secret-0001", context: "credential/\(StoreFixture.replica.rawValue)")])
            try db.execute(sql: """
                INSERT INTO record (id, type, units, status, createdAt, updatedAt, conflicted, autoResolved, localCounter, ackedCounter, state)
                VALUES ('v3-visit', 'householdVisit', ' KH.P03.S012.B0456 ', 'draft', 1, 1, 0, 0, 1, 0, ?)
                """, arguments: [sealed])
            try db.execute(sql: """
                INSERT INTO rejected_change (recordID, type, code, fields, message, localState, serverState, rejectedAt)
                VALUES ('v3-visit', 'householdVisit', 'outOfScope', 'household', 'V3-REJECTION-MESSAGE', ?, NULL, 2)
                """, arguments: [sealed])
            try db.execute(sql: """
                INSERT INTO held_record (recordID, type, code, message, sealedState, cursor, heldAt)
                VALUES ('v3-visit', 'householdVisit', 'unknownRecordType', 'V3-HELD-MESSAGE', ?, 'c-1', 3)
                """, arguments: [try legacy.seal(String(decoding: StateJSON.encode(visit), as: UTF8.self), context: "held:v3-visit")])
            try db.execute(sql: "INSERT INTO unanswered_push (position, batchID, sealedState) VALUES (0, 'b-v3', ?)", arguments: [sealed])
        }
        return visit
    }

    @Test("a v3 store is refused unchanged without its old key file, and sealed whole when its first officer is added with it")
    func v3StoreIsSealed() throws {
        let directory = try TemporaryDirectory()
        let visit = try Self.writeV3Store(directory)
        #expect(storeBytes(directory).range(of: Data("V3-HOUSEHOLD-REF".utf8)) != nil, "the v3 fixture is not what v3 wrote")
        #expect(chmod(directory.storePath, 0o644) == 0)  // what v3 left
        let before = storeDigest(directory)
        let create = StoreAccess.create(officer: StoreFixture.officer, passphrase: Self.pin)
        #expect(storeError { _ = try TerminalStore(path: directory.storePath, access: create, keys: StoreFixture.keys) }?.code == .legacyStore)
        #expect(storeError { _ = try TerminalStore(path: directory.storePath, access: .signIn(officer: StoreFixture.officer, passphrase: Self.pin),
                                                   keys: StoreFixture.keys) }?.code == .legacyStore)
        #expect(storeDigest(directory) == before)
        #expect(!FileManager.default.fileExists(atPath: directory.keyringPath))

        let store = try TerminalStore(path: directory.storePath, access: create,
                                      keys: StoreKeys(cost: .fast, legacyKeyFile: directory.keyPath))
        #expect(try store.record(visit.id)?.state == visit)
        #expect(try store.identity?.credential == "device-secret-0001")
        #expect(try store.rejectedChanges().map(\.rejection.message) == ["V3-REJECTION-MESSAGE"])
        #expect(try store.rejectedChanges().first?.localState == visit)
        #expect(try store.heldRecords().map(\.state) == [visit])
        #expect(try store.heldRecords().map(\.reason.message) == ["V3-HELD-MESSAGE"])
        #expect(try store.unansweredPush() == PushRequest(batchID: "b-v3", records: [visit]))
        #expect(!FileManager.default.fileExists(atPath: directory.keyPath), "the old key file was kept")
        for file in [directory.storePath, directory.keyringPath] {
            #expect(try AtRestTests.mode(file) == 0o600, "\(file) is not 0600")
        }
        let applied = try store.pool.read { try StoreMigrations.migrator.appliedIdentifiers($0) }
        #expect(applied.contains(StoreMigrations.v4))
        try store.close()
        for file in ["", "-wal", "-shm", ".keyring", ".keyring-journal"].map({ directory.storePath + $0 }) {
            guard let bytes = FileManager.default.contents(atPath: file) else { continue }
            for secret in ["V3-PLAINTEXT-NOTE", "V3-REJECTION-MESSAGE", "V3-HELD-MESSAGE", "elderlyAlone", "V3-HOUSEHOLD-REF"] {
                let found = bytes.range(of: Data(secret.utf8))
                #expect(found == nil, "\(secret) survived the sealing in \(file): \(found.map { bytes[max(0, $0.lowerBound - 80)..<min(bytes.count, $0.upperBound + 40)].map { $0 >= 32 && $0 < 127 ? String(UnicodeScalar($0)) : "." }.joined() } ?? "")")
            }
        }
    }
}
