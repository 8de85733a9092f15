import _CryptoExtras
import Crypto
import FieldSyncCore
import Foundation
import GRDB

/// The store's data key (DEK), wrapped once per officer who may unlock the terminal: a small SQLite
/// file beside the store (`<store>.keyring`, 0600) that holds no key in the clear.
///
/// Each officer's entry is the DEK sealed with AES-GCM under a key-encryption key that scrypt derives
/// from the officer's PIN or passphrase and a random salt. The DEK itself is never written to the disk.
///
/// Why a file of its own rather than a table of the store: a copy of the database taken earlier must be
/// useless once the terminal is wiped, so the wrapped keys cannot travel with it. Why SQLite with a
/// rollback journal: changes are written in place (a hard link to the file sees the wipe's zeros) and
/// a power cut during `officer add` cannot lose the entries already there.
struct OfficerKeyring {
    let path: String

    struct Entry {
        var officer: OfficerID
        var salt: Data
        var cost: KeyDerivationCost
        var wrappedKey: Data
        var addedAt: Int64
        var addedBy: OfficerID?
    }

    var exists: Bool { FileManager.default.fileExists(atPath: path) }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("keyring-v1") { db in
            try db.execute(sql: """
                CREATE TABLE keyring_meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE officer_key (
                    officer TEXT PRIMARY KEY NOT NULL,
                    salt BLOB NOT NULL,
                    rounds INTEGER NOT NULL,
                    blockSize INTEGER NOT NULL,
                    parallelism INTEGER NOT NULL,
                    wrappedKey BLOB NOT NULL,
                    addedAt INTEGER NOT NULL,
                    addedBy TEXT
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }

    private func queue() throws -> DatabaseQueue {
        try PrivateFiles.prepareFile(path)
        var configuration = Configuration()
        configuration.label = "FieldSyncKeyring"
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // A removed officer's wrapped key is zeroed in the file, not just unlinked from the b-tree.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try Self.migrator.migrate(queue)
        return queue
    }

    private func withQueue<T>(_ what: String, _ body: (DatabaseQueue) throws -> T) throws -> T {
        do {
            let queue = try queue()
            defer { try? queue.close() }
            return try body(queue)
        } catch {
            throw StoreError.wrapping(error, while: what)
        }
    }

    /// Creates the keyring of a new store with its first officer and returns the new data key.
    func create(firstOfficer officer: OfficerID, passphrase: String, cost: KeyDerivationCost, now: Int64)
        throws -> (storeID: String, key: SymmetricKey) {
        let storeID = UUID().uuidString.lowercased()
        let key = SymmetricKey(size: .bits256)
        let entry = try Self.wrap(key, for: officer, passphrase: passphrase, cost: cost, storeID: storeID,
                                  now: now, addedBy: nil)
        // Made whole beside its place, then linked in: another process never sees a keyring without its
        // store id, and an existing keyring is never replaced (link fails on an existing name).
        let staging = OfficerKeyring(path: path + ".new")
        try staging.destroy()
        var installed = false
        // Until it is linked in, the staging file is shredded on failure; after, it is the keyring.
        defer { if !installed { try? staging.destroy() } }
        try staging.withQueue("creating the keyring \(path)") { queue in
            try queue.write { db in
                try db.execute(sql: "INSERT INTO keyring_meta (key, value) VALUES ('storeID', ?)", arguments: [storeID])
                try insert(entry, db)
            }
        }
        guard link(staging.path, path) == 0 else {
            if errno == EEXIST { throw StoreError(.alreadyExists, "the keyring \(path) already exists") }
            throw StoreError(.io, "cannot install the keyring \(path) (errno \(errno))")
        }
        installed = true
        // The staging name goes; its inode is the keyring now, so it is unlinked, not overwritten.
        unlink(staging.path)
        return (storeID, key)
    }

    /// The store id the keyring belongs to (no passphrase needed: it is not a secret).
    func storeID() throws -> String {
        try withQueue("reading the keyring \(path)") { queue in
            guard let id = try queue.read({ try String.fetchOne($0, sql: "SELECT value FROM keyring_meta WHERE key = 'storeID'") }) else {
                throw StoreError(.corrupted, "the keyring \(path) holds no store id")
            }
            return id
        }
    }

    /// The data key, unwrapped with `officer`'s passphrase.
    /// - Throws: `.unknownOfficer`, `.wrongPassphrase`. Nothing is written either way.
    func unwrap(officer: OfficerID, passphrase: String) throws -> (storeID: String, key: SymmetricKey) {
        let (storeID, entry) = try withQueue("reading the keyring \(path)") { queue in
            try queue.read { db -> (String, Entry?) in
                let id = try String.fetchOne(db, sql: "SELECT value FROM keyring_meta WHERE key = 'storeID'") ?? ""
                return (id, try Row.fetchOne(db, sql: "SELECT * FROM officer_key WHERE officer = ?",
                                             arguments: [officer.rawValue]).map { try Self.entry($0) })
            }
        }
        guard let entry else {
            throw StoreError(.unknownOfficer, "officer \(officer) cannot unlock this terminal: a signed-in officer must add them first")
        }
        let kek = try Self.deriveKEK(passphrase, salt: entry.salt, cost: entry.cost)
        guard let box = try? AES.GCM.SealedBox(combined: entry.wrappedKey),
              let bytes = try? AES.GCM.open(box, using: kek, authenticating: Self.context(storeID, officer)),
              bytes.count == 32 else {
            throw StoreError(.wrongPassphrase, "wrong PIN or passphrase for officer \(officer); nothing was changed")
        }
        return (storeID, SymmetricKey(data: bytes))
    }

    /// Wraps `key` for another officer. - Throws: `.alreadyExists` when the officer has an entry.
    func add(_ officer: OfficerID, passphrase: String, key: SymmetricKey, cost: KeyDerivationCost, now: Int64,
             by author: OfficerID) throws {
        let storeID = try storeID()
        let entry = try Self.wrap(key, for: officer, passphrase: passphrase, cost: cost, storeID: storeID, now: now, addedBy: author)
        try withQueue("adding officer \(officer) to the keyring") { queue in
            try queue.write { db in
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM officer_key WHERE officer = ?", arguments: [officer.rawValue]) == true {
                    throw StoreError(.alreadyExists, "officer \(officer) can already unlock this terminal")
                }
                try insert(entry, db)
            }
        }
    }

    /// Removes an officer's wrapped key (zeroed in the file). - Throws: `.lastOfficer`, `.unknownOfficer`.
    func remove(_ officer: OfficerID) throws {
        try withQueue("removing officer \(officer) from the keyring") { queue in
            try queue.write { db in
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM officer_key") ?? 0
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM officer_key WHERE officer = ?", arguments: [officer.rawValue]) == true else {
                    throw StoreError(.unknownOfficer, "officer \(officer) is not in this terminal's keyring")
                }
                guard count > 1 else {
                    throw StoreError(.lastOfficer, "officer \(officer) is the last one who can unlock this terminal; add another first")
                }
                try db.execute(sql: "DELETE FROM officer_key WHERE officer = ?", arguments: [officer.rawValue])
            }
        }
    }

    func officers() throws -> [OfficerID] {
        try withQueue("reading the keyring \(path)") { queue in
            try queue.read { try String.fetchAll($0, sql: "SELECT officer FROM officer_key ORDER BY officer") }.map { OfficerID($0) }
        }
    }

    /// Crypto-erase: the wrapped keys are overwritten in place, flushed, and the file removed.
    func destroy() throws {
        try PrivateFiles.shred(path + "-journal")
        try PrivateFiles.shred(path)
    }

    // MARK: - Crypto

    static func deriveKEK(_ passphrase: String, salt: Data, cost: KeyDerivationCost) throws -> SymmetricKey {
        do {
            return try KDF.Scrypt.deriveKey(from: Data(passphrase.utf8), salt: salt, outputByteCount: 32,
                                            rounds: cost.rounds, blockSize: cost.blockSize, parallelism: cost.parallelism)
        } catch {
            throw StoreError(.io, "scrypt failed with \(cost)", underlying: error)
        }
    }

    /// The wrapped key is bound to its store and officer: an entry copied to another officer or
    /// keyring does not open.
    private static func context(_ storeID: String, _ officer: OfficerID) -> Data {
        Data("fieldsync-dek/\(storeID)/\(officer.rawValue)".utf8)
    }

    private static func wrap(_ key: SymmetricKey, for officer: OfficerID, passphrase: String, cost: KeyDerivationCost,
                             storeID: String, now: Int64, addedBy: OfficerID?) throws -> Entry {
        guard !passphrase.isEmpty else { throw StoreError(.wrongPassphrase, "an empty PIN or passphrase is not allowed") }
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
        let kek = try deriveKEK(passphrase, salt: salt, cost: cost)
        let plain = key.withUnsafeBytes { Data($0) }
        let wrapped = try AES.GCM.seal(plain, using: kek, authenticating: context(storeID, officer)).combined!
        return Entry(officer: officer, salt: salt, cost: cost, wrappedKey: wrapped, addedAt: now, addedBy: addedBy)
    }

    private func insert(_ entry: Entry, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO officer_key (officer, salt, rounds, blockSize, parallelism, wrappedKey, addedAt, addedBy)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [entry.officer.rawValue, entry.salt, entry.cost.rounds, entry.cost.blockSize,
                             entry.cost.parallelism, entry.wrappedKey, entry.addedAt, entry.addedBy?.rawValue])
    }

    private static func entry(_ row: Row) throws -> Entry {
        let rounds: Int = row["rounds"], blockSize: Int = row["blockSize"], parallelism: Int = row["parallelism"]
        guard rounds > 1, rounds & (rounds - 1) == 0, (1...1_024).contains(blockSize), (1...1_024).contains(parallelism) else {
            throw StoreError(.corrupted, "the keyring holds scrypt parameters no FieldSync writes (N=\(rounds) r=\(blockSize) p=\(parallelism))")
        }
        return Entry(officer: OfficerID(row["officer"] as String), salt: row["salt"],
              cost: KeyDerivationCost(rounds: rounds, blockSize: blockSize, parallelism: parallelism),
              wrappedKey: row["wrappedKey"], addedAt: row["addedAt"], addedBy: (row["addedBy"] as String?).map { OfficerID($0) })
    }
}
