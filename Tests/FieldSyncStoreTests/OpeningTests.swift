import Crypto
import FieldSyncCore
import Foundation
@testable import FieldSyncStore
import GRDB
import Testing

@Suite("Opening, migrations, keys and damaged files")
struct OpeningTests {
    @Test("a new store is created in WAL mode with a keyring, and keeps its data across reopening")
    func createAndReopen() throws {
        let fixture = try StoreFixture()
        let created = try fixture.store.createHouseholdVisit(StoreFixture.visit(), by: StoreFixture.officer)
        #expect(FileManager.default.fileExists(atPath: fixture.directory.keyringPath))
        let mode = try fixture.store.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let reopened = try fixture.reopen()
        #expect(try reopened.record(created.id) == created)
        #expect(try reopened.identity?.replica == StoreFixture.replica)
        #expect(try reopened.identity?.credential == "device-secret-0001")
    }

    @Test("migrations are append-only: the shipped ones keep their identifiers, order and SQL")
    func shippedMigrationsAreImmutable() throws {
        #expect(StoreMigrations.migrator.migrations == ["v1", "v2", "v3", "v4-sealed-at-rest"])
        // The digest of the v1 SQL as shipped. A change here means a shipped migration was edited:
        // add a new migration instead.
        let digest = SHA256.hash(data: Data(StoreMigrations.v1.utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(digest == "a4df54acf9cd78eca7cd3d9970534ecbebe45254f413ec95f18c1425023e32c8")
    }

    @Test("a file from before the first migration is migrated to the latest schema")
    func olderFileIsMigrated() throws {
        let directory = try TemporaryDirectory()
        // An older terminal's file: a SQLite database this code has not migrated yet.
        let old = try DatabaseQueue(path: directory.storePath)
        try old.write { try $0.execute(sql: "CREATE TABLE legacy_note (text TEXT)") }
        try old.close()
        _ = try KeyFile.create(at: directory.keyPath)
        let store = try StoreFixture.open(directory, keys: StoreKeys(cost: .fast, legacyKeyFile: directory.keyPath))
        let applied = try store.pool.read { try StoreMigrations.migrator.appliedIdentifiers($0) }
        #expect(applied == Set(StoreMigrations.migrator.migrations))
        try store.saveEnrollment(StoreFixture.enrollment())
        try store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        #expect(try store.count() == 1)
    }

    @Test("a file from a newer version is refused with .newerSchema and left byte for byte unchanged")
    func newerFileIsRefusedAndUnchanged() throws {
        let fixture = try StoreFixture()
        try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        // A newer FieldSync added migration "v99".
        try fixture.store.pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')")
        }
        _ = try fixture.store.pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        try fixture.store.close()
        let before = storeDigest(fixture.directory)

        let error = storeError { _ = try StoreFixture.open(fixture.directory) }
        #expect(error?.code == .newerSchema)
        #expect(error?.message.contains("v99") == true)
        #expect(storeDigest(fixture.directory) == before)
    }

    @Test("another store's keyring is refused with .wrongKey and nothing changes; the right keyring still opens the store")
    func wrongKeyringIsRefused() throws {
        let fixture = try StoreFixture()
        try fixture.store.createHouseholdVisit(StoreFixture.visit(), by: StoreFixture.officer)
        _ = try fixture.store.pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        try fixture.store.close()
        let rightKeyring = try Data(contentsOf: URL(fileURLWithPath: fixture.directory.keyringPath))
        // Same officer, same passphrase, another terminal: the keyring opens, but its data key is not this store's.
        let other = try StoreFixture()
        try other.store.close()
        try FileManager.default.removeItem(atPath: fixture.directory.keyringPath)
        try FileManager.default.copyItem(atPath: other.directory.keyringPath, toPath: fixture.directory.keyringPath)
        let before = storeDigest(fixture.directory)

        let error = storeError { _ = try StoreFixture.open(fixture.directory) }
        #expect(error?.code == .wrongKey)
        #expect(storeDigest(fixture.directory) == before)

        try rightKeyring.write(to: URL(fileURLWithPath: fixture.directory.keyringPath))
        #expect(try StoreFixture.open(fixture.directory).count() == 1)
    }

    @Test("a missing or malformed keyring is refused with a typed error, not replaced by a new one")
    func missingKeyringIsRefused() throws {
        let fixture = try StoreFixture()
        try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        try fixture.store.close()
        try "not a keyring".write(toFile: fixture.directory.keyringPath, atomically: true, encoding: .utf8)
        #expect(storeError { _ = try StoreFixture.open(fixture.directory) }?.code == .corrupted)
        try FileManager.default.removeItem(atPath: fixture.directory.keyringPath)
        // Without a keyring nobody can open the store, and creating a new keyring for it is refused.
        #expect(storeError { _ = try StoreFixture.open(fixture.directory) }?.code == .wrongKey)
        #expect(storeError {
            _ = try TerminalStore(path: fixture.directory.storePath, access: .signIn(officer: StoreFixture.officer, passphrase: StoreFixture.passphrase),
                                  keys: StoreFixture.keys)
        }?.code == .wrongKey)
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.keyringPath))
    }

    @Test("a file that is not a SQLite database is refused with .corrupted")
    func garbageFileIsCorrupted() throws {
        let directory = try TemporaryDirectory()
        try Data(repeating: 0x5A, count: 8_192).write(to: URL(fileURLWithPath: directory.storePath))
        _ = try KeyFile.create(at: directory.keyPath)
        #expect(storeError { _ = try StoreFixture.open(directory) }?.code == .corrupted)
    }

    @Test("a store whose pages were damaged is refused with .corrupted")
    func damagedPagesAreCorrupted() throws {
        let fixture = try StoreFixture()
        for _ in 0..<200 { try fixture.store.createHouseholdVisit(StoreFixture.visit(), by: StoreFixture.officer) }
        _ = try fixture.store.pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        try fixture.store.close()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.directory.storePath))
        #expect(bytes.count > 16 * 4_096)
        // Scribble over pages 3 to 12: b-tree pages of the record table and its indexes.
        for offset in (2 * 4_096)..<(12 * 4_096) { bytes[offset] = UInt8(truncatingIfNeeded: offset &* 31) }
        try bytes.write(to: URL(fileURLWithPath: fixture.directory.storePath))
        #expect(storeError { _ = try StoreFixture.open(fixture.directory) }?.code == .corrupted)
    }
}
