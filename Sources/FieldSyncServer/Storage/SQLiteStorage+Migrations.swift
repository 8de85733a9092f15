import GRDB

extension SQLiteStorage {
    /// Append-only: a shipped migration is never edited; changes come as new migrations.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE devices (
                    replica TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    station TEXT NOT NULL,
                    credential_hash BLOB NOT NULL,
                    enrolled_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                CREATE TABLE enrollment_tokens (
                    token_hash TEXT PRIMARY KEY NOT NULL,
                    station TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER,
                    used_by TEXT
                );
                CREATE TABLE leases (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    replica TEXT NOT NULL,
                    prefix TEXT NOT NULL,
                    first INTEGER NOT NULL,
                    last INTEGER NOT NULL,
                    granted_at INTEGER NOT NULL
                );
                CREATE INDEX leases_prefix ON leases (prefix, last);
                -- The global change sequence: AUTOINCREMENT so a sequence is never reused, even after a purge.
                CREATE TABLE history (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    record_id TEXT NOT NULL,
                    replica TEXT NOT NULL,
                    batch_id TEXT NOT NULL,
                    authors TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    delta BLOB NOT NULL
                );
                CREATE INDEX history_record ON history (record_id, seq);
                CREATE TABLE records (
                    id TEXT PRIMARY KEY NOT NULL,
                    type TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    state BLOB NOT NULL,
                    units TEXT NOT NULL,
                    needs_person INTEGER NOT NULL
                );
                -- Pulls read records in sequence order.
                CREATE UNIQUE INDEX records_seq ON records (seq);
                CREATE INDEX records_needs_person ON records (needs_person) WHERE needs_person;
                CREATE TABLE record_units (
                    record_id TEXT NOT NULL,
                    unit TEXT NOT NULL,
                    PRIMARY KEY (record_id, unit)
                ) WITHOUT ROWID;
                CREATE TABLE quarantine (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    record_id TEXT NOT NULL,
                    replica TEXT NOT NULL,
                    batch_id TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    code TEXT NOT NULL,
                    rejection BLOB NOT NULL,
                    state BLOB NOT NULL
                );
                CREATE INDEX quarantine_record ON quarantine (record_id);
                CREATE TABLE batches (
                    replica TEXT NOT NULL,
                    batch_id TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    results BLOB NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (replica, batch_id)
                ) WITHOUT ROWID;
                CREATE TABLE audit (
                    seq INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    replica TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    previous_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                """)
        }
        // One row per issued incident receipt number: the number a reporter is handed names one case only.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                CREATE TABLE receipt_numbers (
                    number TEXT PRIMARY KEY NOT NULL,
                    record_id TEXT NOT NULL
                ) WITHOUT ROWID;
                INSERT OR IGNORE INTO receipt_numbers (number, record_id)
                    SELECT json_extract(state, '$.fields.receiptNumber[0].value'), id FROM records
                    WHERE type = 'incidentReport' AND json_extract(state, '$.fields.receiptNumber[0].value') IS NOT NULL;
                """)
        }
        // Pulls read their scope's changes by index instead of walking every change (SQLiteStorage+Scopes).
        migrator.registerMigration("v3") { db in try createScopeIndex(db) }
        // Audit checkpoints (AuditSigner): the signed heads of the chain, one per transaction that appended to it.
        // History keeps each accepted state beside its delta, so that `audit verify` can re-derive every record's
        // state (the join of its history states) and the audit entry can chain the state's digest. NULL when the
        // delta is the state (a new record) and for changes stored before this migration. Quarantine rows written
        // from now on have an audit entry (`chained`); older ones cannot be checked against the chain.
        migrator.registerMigration("v4") { db in
            try db.execute(sql: """
                CREATE TABLE audit_checkpoints (
                    seq INTEGER PRIMARY KEY,
                    head_hash TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    key_id TEXT NOT NULL,
                    signature TEXT NOT NULL
                );
                ALTER TABLE history ADD COLUMN state BLOB;
                ALTER TABLE quarantine ADD COLUMN chained INTEGER NOT NULL DEFAULT 0;
                """)
        }
        // Officers per unit: a device's pushes may carry writes of officers on its unit's rosters only.
        migrator.registerMigration("v5") { db in
            try db.execute(sql: """
                CREATE TABLE roster (
                    unit TEXT NOT NULL,
                    officer TEXT NOT NULL,
                    added_at INTEGER NOT NULL,
                    PRIMARY KEY (unit, officer)
                ) WITHOUT ROWID;
                """)
        }
        // Open reporting deadlines (OpenDeadline): a unit's overdue cases and the overdue metric without reading every case.
        migrator.registerMigration("v6") { db in try createDeadlineIndex(db) }
        return migrator
    }
}
