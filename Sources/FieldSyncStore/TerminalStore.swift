import FieldSyncCore
import Foundation
import GRDB
import Synchronization

/// The terminal's local database: one SQLite file in WAL mode holding record states, the outbox, the
/// pull checkpoint, rejected changes, receipt-number leases and the replica identity.
///
/// Sealed at rest: every record's content is sealed under a random data key (DEK) that exists on the
/// disk only wrapped, once per officer, in the keyring beside the store (`<path>.keyring`); only index
/// columns (id, type, units, status, times, counters) stay clear. A store is opened by an officer's PIN
/// or passphrase (`StoreAccess`), and every write must name the officer signed in. Files are 0600 in a
/// 0700 directory. `wipe()` crypto-erases the keyring before it removes the files.
///
/// Writes never touch the network: each local write is validated by the core rules, stamped with the
/// next dot and a hybrid-clock stamp, and committed in one transaction together with its outbox entry
/// (the record's local counter running ahead of its acknowledged one). The sync engine (FieldSyncClient)
/// drains the outbox with `pendingPush(limit:)` and `acknowledge(pushed:response:)`, and feeds pulled
/// pages to `apply(page:)`.
///
/// Safe to share between tasks: SQLite serialises writers, and readers see committed snapshots while
/// the sync engine writes.
public final class TerminalStore: Sendable {
    /// The database file; its WAL and SHM files lie beside it.
    public let path: String
    /// The officers' wrapped data keys (see `OfficerKeyring`).
    public let keyringPath: String
    /// Where sessions live and the scrypt cost of officers added here.
    public let keys: StoreKeys
    /// The record types this store can read and write.
    public let registry: SchemaRegistry
    let pool: DatabasePool
    let keyring: OfficerKeyring
    /// The random id that binds the keyring, its wrapped keys and session files to this store.
    let storeID: String
    let now: @Sendable () -> Int64
    let makeID: @Sendable () -> String
    /// The signed-in officer and the data key; nil while the store is locked.
    let unlocked: Mutex<Unlocked?>
    /// The enrolled identity, cached: it is written once and read by every write.
    let cachedIdentity: Mutex<StoreIdentity?>
    private let wipedFlag = Mutex(false)

    struct Unlocked: Sendable {
        var officer: OfficerID
        var cipher: FieldCipher
    }

    /// Receipt numbers left in the leased blocks at or below which `leaseStatus` reports running low.
    public let leaseLowWater: Int64

    /// Opens the store at `path` (or creates it, with `.create`), migrating a file written by an older
    /// version.
    ///
    /// - Parameters:
    ///   - path: the database file. Its directory is created 0700, or narrowed to 0700 when it is ours
    ///     and not shared (`.insecurePermissions` otherwise).
    ///   - access: who opens it: a new store's first officer, an officer's sign-in, the terminal's
    ///     current session, or nobody (`.locked`, for the daemon: `refreshSession()` unlocks later).
    ///   - keys: where sessions live, the scrypt cost for new officers, a v3 store's old key file.
    ///   - registry: the record types the store reads and writes.
    ///   - leaseLowWater: receipt numbers left at or below which `leaseStatus` reports running low.
    ///   - now: physical time in milliseconds since 1970 (injected for tests and the simulator).
    ///   - makeID: new record ids.
    /// - Throws: `StoreError` `.noStore`, `.alreadyExists`, `.legacyStore`, `.unknownOfficer`,
    ///   `.wrongPassphrase`, `.locked` (no session), `.newerSchema` (file left unchanged), `.wrongKey`,
    ///   `.corrupted`, `.insecurePermissions`, `.io`.
    public init(path: String, access: StoreAccess, keys: StoreKeys = StoreKeys(), registry: SchemaRegistry = .standard,
                leaseLowWater: Int64 = 20,
                now: @escaping @Sendable () -> Int64 = { WallClock.milliseconds(Date()) },
                makeID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }) throws {
        self.path = path
        self.keyringPath = path + ".keyring"
        self.keys = keys
        self.registry = registry
        self.leaseLowWater = leaseLowWater
        self.now = now
        self.makeID = makeID
        let keyring = OfficerKeyring(path: keyringPath)
        self.keyring = keyring

        try PrivateFiles.prepareDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        let storeExists = Self.holdsData(path)
        let opened = try Self.openKeys(access, keyring: keyring, keys: keys, storeExists: storeExists, path: path, now: now())
        storeID = opened.storeID
        let cipher = opened.key.map { FieldCipher(key: $0.key) }
        // Once the migrations committed, the store may be sealed under this keyring's key: it stays.
        var migrated = false
        do {
            let legacy = try keys.legacyKeyFile.flatMap { file in
                FileManager.default.fileExists(atPath: file) ? FieldCipher(key: try KeyFile.load(at: file)) : nil
            }
            try PrivateFiles.prepareFile(path)
            PrivateFiles.narrow([path + "-wal", path + "-shm", keyringPath])
            var configuration = Configuration()
            configuration.label = "FieldSyncStore"
            configuration.busyMode = .timeout(5)
            configuration.prepareDatabase { db in
                // WAL with synchronous=NORMAL: a commit survives a process crash; a power cut may lose the
                // last commits but never corrupts the file. Temporary tables and sorts stay in memory.
                try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY")
            }
            let pool: DatabasePool
            var sealsLegacy = false
            do {
                if storeExists { sealsLegacy = try Self.preflight(path: path, cipher: cipher, legacy: legacy) }
                pool = try DatabasePool(path: path, configuration: configuration)
            } catch {
                throw StoreError.wrapping(error, while: "opening \(path)")
            }
            do {
                var seal: (@Sendable (Database) throws -> Void)?
                if sealsLegacy, let legacy, let cipher {
                    seal = { @Sendable db in try Self.sealLegacyContent(db, from: legacy, to: cipher, registry: registry) }
                }
                // While v3 plaintext is sealed, SQLite zeroes what it frees (replaced cells, freed pages);
                // then the file is rebuilt and the WAL emptied, so no plaintext page is left in either.
                if sealsLegacy { try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA secure_delete = ON") } }
                try StoreMigrations.migrator(sealingLegacyContent: seal).migrate(pool)
                migrated = true
                if sealsLegacy {
                    try pool.writeWithoutTransaction { db in
                        try db.execute(sql: "VACUUM")
                        _ = try db.checkpoint(.truncate)
                        try db.execute(sql: "PRAGMA secure_delete = OFF")
                    }
                }
            } catch {
                try? pool.close()
                throw StoreError.wrapping(error, while: "opening \(path)")
            }
            self.pool = pool
            unlocked = Mutex(nil)
            cachedIdentity = Mutex(nil)
            do {
                if let (officer, _) = opened.key, let cipher { try adopt(officer, cipher) }
                // The store is sealed under the data key now: the old key file opens nothing any more, so
                // a failure to destroy it must not fail the open.
                if sealsLegacy, let file = keys.legacyKeyFile { try? KeyFile.destroy(at: file) }
                if opened.publishes, let (officer, key) = opened.key, let directory = keys.sessionDirectory {
                    try SessionFile(directory: directory, storePath: path).write(storeID: storeID, officer: officer, key: key)
                }
            } catch {
                try? pool.close()
                throw error
            }
        } catch {
            // A keyring this call created goes with the store it failed to make (before the migrations
            // committed: after, the store may already be sealed under its key).
            if opened.createdKeyring && !migrated { try? keyring.destroy() }
            throw error
        }
    }

    /// Whether `path` holds a database already (an empty file is what `PrivateFiles` creates first).
    private static func holdsData(_ path: String) -> Bool {
        func size(_ file: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.intValue ?? 0
        }
        return size(path) > 0 || size(path + "-wal") > 0
    }

    /// Checks version, integrity and key of an existing file through a plain connection that only
    /// reads: a refused file must be left exactly as it was, and opening a `DatabasePool` already
    /// writes (it switches to WAL and primes the WAL file).
    /// - Returns: whether the file is a v3 store whose content the v4 migration must seal.
    private static func preflight(path: String, cipher: FieldCipher?, legacy: FieldCipher?) throws -> Bool {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let migrator = StoreMigrations.migrator
        return try queue.read { db in
            if try migrator.hasBeenSuperseded(db) {
                let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
                throw StoreError(.newerSchema, "the store was written by a newer FieldSync (schema \(unknown.joined(separator: ", "))); this version knows up to \(StoreMigrations.latest) and changed nothing")
            }
            let problems = try String.fetchAll(db, sql: "PRAGMA quick_check")
            guard problems == ["ok"] else {
                throw StoreError(.corrupted, "SQLite integrity check failed: \(problems.prefix(3).joined(separator: "; "))")
            }
            let check = try db.tableExists("meta") ? try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'keyCheck'") : nil
            let sealed = try db.tableExists("grdb_migrations") && migrator.appliedIdentifiers(db).contains(StoreMigrations.v4)
            if sealed {
                if let check, let cipher, !cipher.verifies(keyCheck: check) {
                    throw StoreError(.wrongKey, "the keyring's data key is not the key this store was written with")
                }
                return false
            }
            guard try StoreMigrations.holdsContent(db) else { return false }
            guard let legacy, cipher != nil else {
                throw StoreError(.legacyStore, "this store was written before records were sealed at rest; nothing was changed. "
                    + "Add its first officer with its old key file to seal it (`fieldsync officer add --first`, with keyFile in the configuration naming it)")
            }
            if let check, !legacy.verifies(keyCheck: check) {
                throw StoreError(.wrongKey, "the old key file does not hold the key this store was written with")
            }
            return true
        }
    }

    /// Closes the database. Later calls fail.
    public func close() throws {
        try pool.close()
    }

    // MARK: - Transactions

    /// Runs `body` in one write transaction, translating failures into `StoreError`s.
    func writing<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        try checkNotWiped()
        do {
            return try pool.write(body)
        } catch {
            throw StoreError.wrapping(error, while: what)
        }
    }

    func reading<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        try checkNotWiped()
        do {
            return try pool.read(body)
        } catch {
            throw StoreError.wrapping(error, while: what)
        }
    }

    /// A read of record content: refused while locked even when there is nothing to open, so that a
    /// locked store never answers as if it were empty.
    func readingContent<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        _ = try cipher
        return try reading(what, body)
    }

    func checkNotWiped() throws {
        if wipedFlag.withLock({ $0 }) { throw StoreError(.wiped, "the store was wiped") }
    }

    /// The data key's cipher. - Throws: `.locked` while nobody is signed in, `.wiped`.
    var cipher: FieldCipher {
        get throws {
            try checkNotWiped()
            guard let cipher = unlocked.withLock({ $0?.cipher }) else {
                throw StoreError(.locked, "nobody is signed in on this terminal: sign in (`fieldsync officer login`) first")
            }
            return cipher
        }
    }

    /// Destroys a revoked terminal's data and keys (crypto-erase): the keyring, whose wrapped data keys
    /// are the only way to the data key, is overwritten in place and removed first, then the session
    /// file, then the database, its WAL and SHM. A copy or a hard link of the database taken earlier
    /// then holds only ciphertext whose key exists nowhere. Every later call on this store throws
    /// `.wiped`; `wipe()` itself may be called again, so a wipe interrupted by a failure can be finished.
    public func wipe() throws {
        wipedFlag.withLock { $0 = true }
        unlocked.withLock { $0 = nil }
        try keyring.destroy()
        if let directory = keys.sessionDirectory { try SessionFile(directory: directory, storePath: path).remove() }
        try? pool.close()
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.removeItem(atPath: path + suffix)
        }
        cachedIdentity.withLock { $0 = nil }
    }

    // MARK: - Clock

    /// Ticks the persisted hybrid logical clock inside the caller's write transaction.
    func tickClock(_ db: Database) throws -> HLCTimestamp {
        var clock = try loadClock(db)
        let stamp = clock.tick(now: now())
        try saveClock(clock, db)
        return stamp
    }

    func loadClock(_ db: Database) throws -> HybridLogicalClock {
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT wall, logical, correction FROM clock")) else {
            return HybridLogicalClock()
        }
        return HybridLogicalClock(last: HLCTimestamp(wall: row["wall"], logical: row["logical"]), correction: row["correction"])
    }

    func saveClock(_ clock: HybridLogicalClock, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO clock (singleton, wall, logical, correction) VALUES (1, ?, ?, ?)
            ON CONFLICT (singleton) DO UPDATE SET wall = excluded.wall, logical = excluded.logical, correction = excluded.correction
            """).execute(arguments: [clock.last.wall, clock.last.logical, clock.correction])
    }

    /// The hybrid logical clock as persisted (for status displays and tests).
    public func clock() throws -> HybridLogicalClock {
        try reading("reading the clock") { try loadClock($0) }
    }

    /// Learns the server's wall clock from any response (`serverTime`), so that later local stamps are
    /// sane even when the terminal's own clock is wrong.
    public func correctClock(serverTime: Int64) throws {
        try writing("correcting the clock") { db in
            var clock = try loadClock(db)
            clock.correct(serverWall: serverTime, now: now())
            try saveClock(clock, db)
        }
    }
}
