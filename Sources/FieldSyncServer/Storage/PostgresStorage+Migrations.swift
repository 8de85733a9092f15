import PostgresNIO

extension PostgresStorage {
    struct Migration {
        var name: String
        /// One SQL statement each (the extended query protocol takes one at a time).
        var statements: [String]
        /// Rows computed in Swift from what is stored (with the core's functions), after the statements,
        /// in the same transaction.
        var fill: (@Sendable (PostgresStorage, PostgresConnection) async throws -> Void)? = nil
    }

    /// Append-only: a shipped migration is never edited; changes come as new migrations. Version N is
    /// `migrations[N - 1]`; the applied versions are rows of `fieldsync_migrations`.
    static let migrations: [Migration] = [
        Migration(name: "v1 devices, leases, records, history, audit", statements: [
            """
            CREATE TABLE devices (
                replica TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                station TEXT NOT NULL,
                credential_hash BYTEA NOT NULL,
                enrolled_at BIGINT NOT NULL,
                revoked_at BIGINT
            )
            """,
            """
            CREATE TABLE enrollment_tokens (
                token_hash TEXT PRIMARY KEY,
                station TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                used_by TEXT
            )
            """,
            // The highest receipt number granted under each prefix: one row lock per station makes
            // concurrent grants on different nodes take consecutive, disjoint blocks.
            "CREATE TABLE lease_heads (prefix TEXT PRIMARY KEY, last BIGINT NOT NULL)",
            """
            CREATE TABLE leases (
                id BIGSERIAL PRIMARY KEY,
                replica TEXT NOT NULL,
                prefix TEXT NOT NULL,
                first BIGINT NOT NULL,
                last BIGINT NOT NULL,
                granted_at BIGINT NOT NULL
            )
            """,
            // One row: the change-sequence head and the audit chain head. Its row lock is the commit-order
            // lock (see PostgresStorage).
            """
            CREATE TABLE sync_head (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                seq BIGINT NOT NULL,
                audit_seq BIGINT NOT NULL,
                audit_hash TEXT NOT NULL
            )
            """,
            "INSERT INTO sync_head (id, seq, audit_seq, audit_hash) VALUES (1, 0, 0, '\(AuditChain.genesisHash)')",
            """
            CREATE TABLE history (
                seq BIGINT PRIMARY KEY,
                record_id TEXT NOT NULL,
                replica TEXT NOT NULL,
                batch_id TEXT NOT NULL,
                authors TEXT NOT NULL,
                at BIGINT NOT NULL,
                delta BYTEA NOT NULL
            )
            """,
            "CREATE INDEX history_record ON history (record_id, seq)",
            """
            CREATE TABLE records (
                id TEXT PRIMARY KEY,
                type TEXT NOT NULL,
                seq BIGINT NOT NULL UNIQUE,
                state BYTEA NOT NULL,
                units TEXT NOT NULL,
                needs_person BOOLEAN NOT NULL
            )
            """,
            "CREATE INDEX records_needs_person ON records (seq) WHERE needs_person",
            "CREATE TABLE record_units (record_id TEXT NOT NULL, unit TEXT NOT NULL, PRIMARY KEY (record_id, unit))",
            """
            CREATE TABLE quarantine (
                id BIGSERIAL PRIMARY KEY,
                record_id TEXT NOT NULL,
                replica TEXT NOT NULL,
                batch_id TEXT NOT NULL,
                at BIGINT NOT NULL,
                code TEXT NOT NULL,
                rejection BYTEA NOT NULL,
                state BYTEA NOT NULL
            )
            """,
            "CREATE INDEX quarantine_record ON quarantine (record_id)",
            """
            CREATE TABLE batches (
                replica TEXT NOT NULL,
                batch_id TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                results BYTEA NOT NULL,
                at BIGINT NOT NULL,
                PRIMARY KEY (replica, batch_id)
            )
            """,
            """
            CREATE TABLE audit (
                seq BIGINT PRIMARY KEY,
                kind TEXT NOT NULL,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                replica TEXT NOT NULL,
                subject TEXT NOT NULL,
                detail TEXT NOT NULL,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            )
            """,
            "CREATE TABLE receipt_numbers (number TEXT PRIMARY KEY, record_id TEXT NOT NULL)",
            // The naive sequencing of the concurrency stress test (PostgresStorage.Sequencing.unordered).
            "CREATE SEQUENCE unordered_seq",
        ]),
        // The scope index (see ScopeIndex): pulls read their own scope's changes by (scope, seq) instead of
        // walking every other station's changes. Filled from the records' units: each unit and every prefix of it.
        Migration(name: "v2 scope index", statements: [
            """
            CREATE TABLE scope_changes (
                scope TEXT NOT NULL,
                seq BIGINT NOT NULL,
                record_id TEXT NOT NULL,
                PRIMARY KEY (scope, seq)
            )
            """,
            """
            INSERT INTO scope_changes (scope, seq, record_id)
            SELECT DISTINCT array_to_string(p.parts[1:n.n], '.'), r.seq, r.id
            FROM records r
            JOIN record_units u ON u.record_id = r.id
            CROSS JOIN LATERAL (SELECT string_to_array(u.unit, '.') AS parts) AS p
            CROSS JOIN LATERAL generate_series(1, cardinality(p.parts)) AS n(n)
            """,
        ]),
        // Audit checkpoints (AuditSigner): the signed heads of the chain, one per transaction that appended to it.
        // History keeps each accepted state beside its delta, so that `audit verify` can re-derive every record's
        // state (the join of its history states) and the audit entry can chain the state's digest. NULL when the
        // delta is the state (a new record) and for changes stored before this migration. Quarantine rows written
        // from now on have an audit entry (`chained`); older ones cannot be checked against the chain.
        Migration(name: "v3 audit checkpoints, history states", statements: [
            """
            CREATE TABLE audit_checkpoints (
                seq BIGINT PRIMARY KEY,
                head_hash TEXT NOT NULL,
                at BIGINT NOT NULL,
                key_id TEXT NOT NULL,
                signature TEXT NOT NULL
            )
            """,
            "ALTER TABLE history ADD COLUMN state BYTEA",
            "ALTER TABLE quarantine ADD COLUMN chained BOOLEAN NOT NULL DEFAULT false",
        ]),
        // Officers per unit: a device's pushes may carry writes of officers on its unit's rosters only.
        Migration(name: "v4 roster", statements: [
            "CREATE TABLE roster (unit TEXT NOT NULL, officer TEXT NOT NULL, added_at BIGINT NOT NULL, PRIMARY KEY (unit, officer))",
        ]),
        // Open reporting deadlines (OpenDeadline): a unit's overdue cases and the overdue metric without reading every case.
        Migration(name: "v5 open deadlines", statements: [
            """
            CREATE TABLE open_deadlines (
                record_id TEXT NOT NULL,
                deadline TEXT NOT NULL,
                due_at BIGINT NOT NULL,
                units TEXT NOT NULL,
                PRIMARY KEY (record_id, deadline)
            )
            """,
            "CREATE INDEX open_deadlines_due ON open_deadlines (due_at)",
        ], fill: fillDeadlineIndex),
    ]
}
