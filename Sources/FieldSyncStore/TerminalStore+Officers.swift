import Crypto
import FieldSyncCore
import Foundation
import GRDB

/// Officers and sessions: who may unlock the terminal, who is signed in now, and how the other
/// processes of the terminal share the sign-in. Signing in binds every write to the officer: a write
/// whose `by:` names anybody else throws `.wrongOfficer`.
extension TerminalStore {
    /// The data key as `init` found it.
    struct OpenedKeys {
        var storeID: String
        var key: (officer: OfficerID, key: SymmetricKey)?
        /// The store's keyring was created by this call (and goes if the call fails).
        var createdKeyring = false
        /// A sign-in (not a session) that is shared through the session directory.
        var publishes = false
    }

    static func openKeys(_ access: StoreAccess, keyring: OfficerKeyring, keys: StoreKeys, storeExists: Bool,
                         path: String, now: Int64) throws -> OpenedKeys {
        func requireKeyring() throws {
            guard keyring.exists else {
                guard storeExists else {
                    throw StoreError(.noStore, "there is no store at \(path): create it with its first officer (`fieldsync officer add --first`)")
                }
                throw try missingKeyring()
            }
        }
        func missingKeyring() throws -> StoreError {
            if try sealedAtRest(path) {
                return StoreError(.wrongKey, "the keyring \(keyring.path) of this store is missing: without it nobody can "
                    + "open the store (was the terminal wiped?); nothing was changed")
            }
            return StoreError(.legacyStore, "\(path) was written before records were sealed at rest; nothing was changed. "
                + "Add its first officer with its old key file to seal it (`fieldsync officer add --first`, with keyFile in the configuration naming it)")
        }
        switch access {
        case .create(let officer, let passphrase):
            if keyring.exists {
                throw StoreError(.alreadyExists, "\(path) already has officers: sign in, and add officers as a signed-in officer")
            }
            if storeExists && keys.legacyKeyFile.map({ FileManager.default.fileExists(atPath: $0) }) != true {
                throw try missingKeyring()
            }
            let created = try keyring.create(firstOfficer: officer, passphrase: passphrase, cost: keys.cost, now: now)
            return OpenedKeys(storeID: created.storeID, key: (officer, created.key), createdKeyring: true, publishes: true)
        case .signIn(let officer, let passphrase):
            try requireKeyring()
            let unwrapped = try keyring.unwrap(officer: officer, passphrase: passphrase)
            return OpenedKeys(storeID: unwrapped.storeID, key: (officer, unwrapped.key), publishes: true)
        case .session:
            try requireKeyring()
            let storeID = try keyring.storeID()
            guard let directory = keys.sessionDirectory,
                  let session = try SessionFile(directory: directory, storePath: path).read(storeID: storeID) else {
                throw StoreError(.locked, "nobody is signed in on this terminal: `fieldsync officer login --officer BADGE`")
            }
            return OpenedKeys(storeID: storeID, key: session)
        case .locked:
            try requireKeyring()
            return OpenedKeys(storeID: try keyring.storeID())
        }
    }

    /// Whether the database at `path` has been through the v4 migration (read only; `.corrupted` for a
    /// file that is not a database).
    static func sealedAtRest(_ path: String) throws -> Bool {
        do {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.read { db in
                try db.tableExists("grdb_migrations")
                    && StoreMigrations.migrator.appliedIdentifiers(db).contains(StoreMigrations.v4)
            }
        } catch {
            throw StoreError.wrapping(error, while: "reading \(path)")
        }
    }

    /// Makes `officer` the signed-in officer with the data key of `cipher`, once the store confirms the
    /// key is its own.
    func adopt(_ officer: OfficerID, _ cipher: FieldCipher) throws {
        let identity = try pool.write { db -> StoreIdentity? in
            if let check = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'keyCheck'") {
                guard cipher.verifies(keyCheck: check) else {
                    throw StoreError(.wrongKey, "the data key is not the key this store was written with")
                }
            } else {
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('keyCheck', ?)", arguments: [cipher.makeKeyCheck()])
            }
            return try Self.fetchIdentity(cipher: cipher)(db)
        }
        cachedIdentity.withLock { $0 = identity }
        unlocked.withLock { $0 = Unlocked(officer: officer, cipher: cipher) }
    }

    /// The officer signed in now, or nil while the store is locked.
    public var signedInOfficer: OfficerID? { unlocked.withLock { $0?.officer } }

    private var sessionFile: SessionFile? {
        keys.sessionDirectory.map { SessionFile(directory: $0, storePath: path) }
    }

    /// Signs `officer` in (from locked, or in place of the officer signed in now); shared with the
    /// terminal's other processes when the store has a session directory.
    /// - Throws: `.unknownOfficer`, `.wrongPassphrase` (the signed-in officer, if any, stays signed in).
    public func signIn(_ officer: OfficerID, passphrase: String) throws {
        try checkNotWiped()
        let unwrapped = try keyring.unwrap(officer: officer, passphrase: passphrase)
        guard unwrapped.storeID == storeID else { throw StoreError(.wrongKey, "the keyring belongs to another store") }
        try adopt(officer, FieldCipher(key: unwrapped.key))
        try sessionFile?.write(storeID: storeID, officer: officer, key: unwrapped.key)
    }

    /// Signs out: the session file is removed and this process forgets the data key. Every later call
    /// but `signIn` and `refreshSession` throws `.locked`.
    public func signOut() throws {
        try checkNotWiped()
        lock()
        try sessionFile?.remove()
    }

    /// Forgets the data key in this process only (the session file stays).
    public func lock() {
        unlocked.withLock { $0 = nil }
        cachedIdentity.withLock { $0 = nil }
    }

    /// Follows the terminal's session (the daemon calls this before each round): adopts the officer and
    /// key of the session file, or locks when nobody is signed in any more.
    /// - Throws: `.locked` when there is no session.
    public func refreshSession() throws {
        try checkNotWiped()
        guard let session = try sessionFile?.read(storeID: storeID) else {
            lock()
            throw StoreError(.locked, "nobody is signed in on this terminal")
        }
        if let current = unlocked.withLock({ $0 }), current.officer == session.officer,
           current.cipher.key == session.key { return }
        try adopt(session.officer, FieldCipher(key: session.key))
    }

    /// Forgets the data key when the terminal's session has ended (signed out in another process); the
    /// daemon checks this every few seconds, so a signed-out terminal's key leaves its memory too.
    /// - Returns: true when this call locked the store.
    @discardableResult
    public func lockIfSignedOut() -> Bool {
        guard signedInOfficer != nil, let sessionFile else { return false }
        if (try? sessionFile.read(storeID: storeID)) != nil { return false }
        lock()
        return true
    }

    /// Lets `officer` unlock this terminal with `passphrase`: the data key, which only a signed-in
    /// officer holds, is wrapped for them. Provisioning is by an officer of the terminal, never from
    /// the disk alone.
    /// - Throws: `.locked`, `.alreadyExists`.
    public func addOfficer(_ officer: OfficerID, passphrase: String) throws {
        try checkNotWiped()
        guard let current = unlocked.withLock({ $0 }) else {
            throw StoreError(.locked, "only an officer signed in on this terminal can add another")
        }
        try keyring.add(officer, passphrase: passphrase, key: current.cipher.key, cost: keys.cost, now: now(), by: current.officer)
    }

    /// Removes `officer` from the keyring (their wrapped key is zeroed in the file).
    /// - Throws: `.locked`, `.unknownOfficer`, `.lastOfficer`.
    public func removeOfficer(_ officer: OfficerID) throws {
        _ = try cipher
        try keyring.remove(officer)
    }

    /// The officers who can unlock this terminal.
    public func officers() throws -> [OfficerID] {
        try checkNotWiped()
        return try keyring.officers()
    }
}
