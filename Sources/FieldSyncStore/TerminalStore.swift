import FieldSyncCore
import Foundation
import GRDB
import Synchronization

/// The terminal's local database: one SQLite file in WAL mode holding record states, the outbox, the
/// pull checkpoint, rejected changes, receipt-number leases and the replica identity.
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
    public let path: String
    public let keyFilePath: String
    public let registry: SchemaRegistry
    let pool: DatabasePool
    let cipher: FieldCipher
    let now: @Sendable () -> Int64
    let makeID: @Sendable () -> String
    /// The enrolled identity, cached: it is written once and read by every write.
    let cachedIdentity: Mutex<StoreIdentity?>
    private let wipedFlag = Mutex(false)

    /// Receipt numbers left in the leased blocks at or below which `leaseStatus` reports running low.
    public let leaseLowWater: Int64

    /// Opens (creating if needed) the store at `path`, migrating a file written by an older version.
    ///
    /// - Parameters:
    ///   - keyFile: the AES key file. Created with a new random key when neither it nor the store exists.
    ///   - now: physical time in milliseconds since 1970 (injected for tests and the simulator).
    ///   - makeID: new record ids.
    /// - Throws: `StoreError` `.newerSchema` (file left unchanged), `.wrongKey`, `.corrupted`, `.io`.
    public init(path: String, keyFile: String, registry: SchemaRegistry = .standard, leaseLowWater: Int64 = 20,
                now: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) },
                makeID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }) throws {
        self.path = path
        self.keyFilePath = keyFile
        self.registry = registry
        self.leaseLowWater = leaseLowWater
        self.now = now
        self.makeID = makeID

        let storeExists = FileManager.default.fileExists(atPath: path)
        let keyExists = FileManager.default.fileExists(atPath: keyFile)
        if storeExists && !keyExists {
            throw StoreError(.wrongKey, "the store \(path) exists but its key file \(keyFile) is missing")
        }
        let cipher = FieldCipher(key: keyExists ? try KeyFile.load(at: keyFile) : try KeyFile.create(at: keyFile))

        self.cipher = cipher
        var configuration = Configuration()
        configuration.label = "FieldSyncStore"
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // WAL with synchronous=NORMAL: a commit survives a process crash; a power cut may lose the
            // last commits but never corrupts the file.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool: DatabasePool
        do {
            if storeExists { try Self.preflight(path: path, cipher: cipher) }
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError.wrapping(error, while: "opening \(path)")
        }
        do {
            try StoreMigrations.migrator.migrate(pool)
            try pool.write { db in
                if try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'keyCheck'") == nil {
                    try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('keyCheck', ?)", arguments: [cipher.makeKeyCheck()])
                }
            }
            cachedIdentity = Mutex(try pool.read(Self.fetchIdentity(cipher: cipher)))
        } catch {
            try? pool.close()
            throw StoreError.wrapping(error, while: "opening \(path)")
        }
        self.pool = pool
    }

    /// Checks version, integrity and key of an existing file through a plain connection that only
    /// reads: a refused file must be left exactly as it was, and opening a `DatabasePool` already
    /// writes (it switches to WAL and primes the WAL file).
    private static func preflight(path: String, cipher: FieldCipher) throws {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let migrator = StoreMigrations.migrator
        try queue.read { db in
            if try migrator.hasBeenSuperseded(db) {
                let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
                throw StoreError(.newerSchema, "the store was written by a newer FieldSync (schema \(unknown.joined(separator: ", "))); this version knows up to \(StoreMigrations.latest) and changed nothing")
            }
            let problems = try String.fetchAll(db, sql: "PRAGMA quick_check")
            guard problems == ["ok"] else {
                throw StoreError(.corrupted, "SQLite integrity check failed: \(problems.prefix(3).joined(separator: "; "))")
            }
            if try db.tableExists("meta"),
               let check = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'keyCheck'"),
               !cipher.verifies(keyCheck: check) {
                throw StoreError(.wrongKey, "the key file does not hold the key this store was written with")
            }
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

    func checkNotWiped() throws {
        if wipedFlag.withLock({ $0 }) { throw StoreError(.wiped, "the store was wiped") }
    }

    /// Destroys a revoked terminal's data and key: the database file and its WAL are removed and the key
    /// file is overwritten and removed. Every later call on this store throws `.wiped`; `wipe()` itself
    /// may be called again, so a wipe interrupted by a failure can be finished.
    public func wipe() throws {
        wipedFlag.withLock { $0 = true }
        // Sealed values are unreadable without the key: destroy it first, so a failure below still
        // leaves nothing personal readable.
        if FileManager.default.fileExists(atPath: keyFilePath) { try KeyFile.destroy(at: keyFilePath) }
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
