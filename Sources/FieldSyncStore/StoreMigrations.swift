import GRDB

/// The store's schema history. Append-only: a shipped migration is never edited, reordered or removed,
/// because terminals in the field hold files at every step of it. A change is a new migration at the end.
enum StoreMigrations {
    static var migrator: DatabaseMigrator { migrator(sealingLegacyContent: nil) }

    /// - Parameter seal: re-seals what a v3 store holds under the data key (see `v4`); nil when the
    ///   caller has no legacy key or no data key, and then a v3 store that holds anything is refused.
    static func migrator(sealingLegacyContent seal: (@Sendable (Database) throws -> Void)?) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3") { db in
            try db.execute(sql: v3)
        }
        migrator.registerMigration(v4) { db in
            guard try holdsContent(db) else { return }
            guard let seal else {
                throw StoreError(.legacyStore, "this store was written before records were sealed at rest: add its first "
                    + "officer with its old key file (`fieldsync officer add --first`, with keyFile in the configuration naming it) to seal it")
            }
            try seal(db)
        }
        return migrator
    }

    /// The identifier of the newest migration this code knows.
    static let latest = v4

    // Sealed at rest: no schema change. Every record state, rejected and unanswered state, rejection
    // message and held record is sealed whole under the data key that the officers' keyring wraps; the
    // plaintext of a v3 store (and its values sealed under the old key file) is re-sealed in this
    // migration's transaction, then the file is vacuumed and the old key file destroyed.
    static let v4 = "v4-sealed-at-rest"

    /// Whether a store being migrated holds anything written under the v3 key file.
    static func holdsContent(_ db: Database) throws -> Bool {
        for table in ["identity", "record", "rejected_change", "held_record", "unanswered_push"] where try db.tableExists(table) {
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM \(table) LIMIT 1") == true { return true }
        }
        return false
    }

    // The push batch sent and not yet answered, state by state (sensitive values sealed), so that a
    // retry resends the same batch id with the same content, even after a restart (SPEC 10.2).
    static let v3 = """
        CREATE TABLE unanswered_push (
            position INTEGER PRIMARY KEY,
            batchID TEXT NOT NULL,
            sealedState BLOB NOT NULL
        );
        """

    // Pulled states this version cannot store (a newer record type or schema version, a malformed or
    // disagreeing state) are held here, sealed whole, in the transaction that advances the checkpoint:
    // the cursor moves on without losing them, and a newer version can apply them.
    static let v2 = """
        CREATE TABLE held_record (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            recordID TEXT NOT NULL,
            type TEXT NOT NULL,
            code TEXT NOT NULL,
            message TEXT NOT NULL,
            sealedState TEXT NOT NULL,
            cursor TEXT NOT NULL,
            heldAt INTEGER NOT NULL
        );
        CREATE INDEX held_record_by_record ON held_record(recordID);
        """


    // One row per record. The index columns are derived from `state` on every write so that lists and
    // filters never decode JSON; `state` is the whole replicated state with sensitive values sealed.
    // The outbox is not a table: it is the records whose local counter runs ahead of the acknowledged one.
    static let v1 = """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE clock (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            wall INTEGER NOT NULL,
            logical INTEGER NOT NULL,
            correction INTEGER NOT NULL
        );

        CREATE TABLE identity (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            replica TEXT NOT NULL,
            station TEXT NOT NULL,
            scopes TEXT NOT NULL,
            credential TEXT NOT NULL,
            enrolledAt INTEGER NOT NULL
        );

        CREATE TABLE record (
            id TEXT PRIMARY KEY NOT NULL,
            type TEXT NOT NULL,
            units TEXT NOT NULL,
            status TEXT,
            createdAt INTEGER NOT NULL,
            updatedAt INTEGER NOT NULL,
            conflicted INTEGER NOT NULL,
            autoResolved INTEGER NOT NULL,
            localCounter INTEGER NOT NULL,
            ackedCounter INTEGER NOT NULL,
            state BLOB NOT NULL
        );
        CREATE INDEX record_by_type ON record(type, updatedAt);
        CREATE INDEX record_by_update ON record(updatedAt);
        CREATE INDEX record_outbox ON record(updatedAt) WHERE localCounter > ackedCounter;
        CREATE INDEX record_conflicted ON record(updatedAt) WHERE conflicted OR autoResolved;

        CREATE TABLE rejected_change (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            recordID TEXT NOT NULL,
            type TEXT NOT NULL,
            code TEXT NOT NULL,
            fields TEXT NOT NULL,
            message TEXT NOT NULL,
            localState BLOB NOT NULL,
            serverState BLOB,
            rejectedAt INTEGER NOT NULL
        );
        CREATE INDEX rejected_change_by_record ON rejected_change(recordID);

        CREATE TABLE receipt_lease (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            prefix TEXT NOT NULL,
            first INTEGER NOT NULL,
            last INTEGER NOT NULL,
            next INTEGER NOT NULL,
            UNIQUE (prefix, first)
        );
        """
}
