import FieldSyncCore
import Foundation
import PostgresNIO

extension PostgresStorage {
    public func applyPush(_ batch: PushBatch, admit: @escaping @Sendable (RecordState, ServerRecord?) -> Admission) async throws -> AppliedPush {
        try await transaction { [self] connection in
            // FOR SHARE: a revocation committing meanwhile waits for this batch, or this batch sees it.
            let pusher = try await pusher(of: batch, on: connection)
            try PushPlan.refuseIfRevoked(pusher, batch: batch)
            let ids = batch.records.map(\.id.rawValue)
            try await lockRecords(ids, on: connection)
            // After the record locks: an identical batch racing on another node has committed by now.
            let stored = try await fetch("""
                SELECT fingerprint, results FROM batches WHERE replica = \(batch.replica.rawValue) AND batch_id = \(batch.batchID)
                """, as: (String, ByteBuffer).self, on: connection)
            if let (fingerprint, results) = stored.first {
                return try PushPlan.replay(of: batch, storedFingerprint: fingerprint, storedResults: Data(buffer: results))
            }
            let currents = try await storedRecords(ids, on: connection)
            let numbers = PushPlan.receiptNumbers(of: batch)
            var holders: [String: RecordID] = [:]
            if !numbers.isEmpty {
                for (number, holder) in try await fetch(Self.byKeys("number, record_id", in: "receipt_numbers", key: "number", numbers),
                                                       as: (String, String).self, on: connection) {
                    holders[number] = RecordID(holder)
                }
            }
            let plan = try PushPlan(batch: batch, pusher: pusher, currents: batch.records.map { currents[$0.id.rawValue] },
                                    receiptHolder: { holders[$0] }, admit: admit)
            try await insertQuarantine(plan.quarantined, batch: batch, on: connection)
            try await claimReceiptNumbers(plan.changes, on: connection)

            var head: Head
            let sequences: [Int64]
            let count = Int64(plan.changes.count)
            switch options.sequencing {
            case .commitOrdered:
                head = try await lockHead(on: connection)
                sequences = count == 0 ? [] : Array(head.sequence + 1 ... head.sequence + count)
                head.sequence += count
                await options.beforeCommit?()
            case .unordered:
                sequences = count == 0 ? [] : try await fetch("SELECT nextval('unordered_seq') FROM generate_series(1, \(count))",
                                                              as: Int64.self, on: connection)
                await options.beforeCommit?()
                head = try await lockHead(on: connection)
                head.sequence = max(head.sequence, sequences.max() ?? 0)
            }
            try await insertChanges(plan.changes, sequences: sequences, batch: batch, on: connection)
            try await indexScopes(plan.changes, sequences: sequences, previous: currents, on: connection)
            _ = try await insertAudit(plan.auditDrafts(sequences: sequences.map(UInt64.init), batch: batch), head: &head, on: connection)
            let results = plan.results(sequences: sequences.map(UInt64.init))
            try await connection.query("""
                INSERT INTO batches (replica, batch_id, fingerprint, results, at)
                VALUES (\(batch.replica.rawValue), \(batch.batchID), \(batch.fingerprint),
                        \(ByteBuffer(data: try PushPlan.encodeResults(results))), \(batch.receivedAt))
                """, logger: logger)
            try await storeHead(head, on: connection)
            return AppliedPush(results: results, replayed: false, counts: plan.counts)
        }
    }

    /// The pushing device as stored, its row share-locked until the batch commits; its leases only when
    /// the batch carries receipt numbers.
    func pusher(of batch: PushBatch, on connection: PostgresConnection) async throws -> PushPlan.Pusher? {
        let replica = batch.replica.rawValue
        guard let (revokedAt, hash, station) = try await fetch(
            "SELECT revoked_at, credential_hash, station FROM devices WHERE replica = \(replica) FOR SHARE",
            as: (Int64?, ByteBuffer, String).self, on: connection).first else { return nil }
        var leases: [ReceiptLease] = []
        if !PushPlan.receiptNumbers(of: batch).isEmpty {
            leases = try await fetch("SELECT prefix, first, last FROM leases WHERE replica = \(replica)",
                                     as: (String, Int64, Int64).self, on: connection).compactMap { prefix, first, last in
                first <= last ? ReceiptLease(prefix: prefix, first: first, last: last) : nil
            }
        }
        let roster = try await roster(of: RosterEntry.coveringUnits(of: UnitID(station)), on: connection)
        return PushPlan.Pusher(revoked: revokedAt != nil, credentialHash: Array(buffer: hash), leases: leases,
                               roster: roster.isEmpty ? nil : Set(roster.map(\.officer)))
    }

    /// Advisory locks on the records' ids, taken in key order so that two batches never wait on each
    /// other in a cycle (a hash collision only makes two records share a lock).
    func lockRecords(_ ids: [String], on connection: PostgresConnection) async throws {
        guard !ids.isEmpty else { return }
        try await connection.query("""
            SELECT pg_advisory_xact_lock(key) FROM (
                SELECT DISTINCT hashtextextended(id, 0) AS key FROM unnest(\(ids)::text[]) AS t(id) ORDER BY key) AS keys
            """, logger: logger)
    }

    func storedRecords(_ ids: [String], on connection: PostgresConnection) async throws -> [String: ServerRecord] {
        var records: [String: ServerRecord] = [:]
        for row in try await fetch(Self.byKeys("id, seq, state, units, needs_person", in: "records", key: "id", ids),
                                   as: (String, Int64, ByteBuffer, String, Bool).self, on: connection) {
            records[row.0] = try Self.storedRecord(row)
        }
        return records
    }

    /// `SELECT columns FROM table` for the rows whose `key` (the primary key) is one of `keys`: one index
    /// probe per key, whatever the planner's statistics say. (`key = ANY(array)` on a table without
    /// statistics yet, as after a migration or a burst of writes, and a plain join on the unnested keys
    /// even with statistics, both read the whole table for each push: PostgresPlanTests.)
    static func byKeys(_ columns: String, in table: String, key: String, _ keys: [String]) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 1)
        binds.append(keys)
        let qualified = columns.split(separator: ",").map { "x." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
        // LIMIT 1 keeps the lateral subquery from being flattened into a hash join over the whole table.
        return PostgresQuery(unsafeSQL: """
            SELECT \(qualified) FROM unnest($1::text[]) AS k(key)
            CROSS JOIN LATERAL (SELECT * FROM \(table) t WHERE t.\(key) = k.key LIMIT 1) AS x
            """, binds: binds)
    }

    /// The states of the changes after `cursor` that `scopes` may see, in sequence order, at most `limit`:
    /// per scope, an ordered range read of the scope index that stops after `limit` rows; then the union
    /// (a device's nested scopes name a change twice) and the records by sequence.
    static func pageQuery(scopes: [UnitID], after cursor: UInt64, limit: Int) -> PostgresQuery {
        var binds = PostgresBindings(capacity: scopes.count + 2)
        for scope in scopes { binds.append(scope.rawValue) }
        binds.append(Int64(clamping: cursor))
        binds.append(limit)
        let cursorMark = "$\(scopes.count + 1)", limitMark = "$\(scopes.count + 2)"
        let ranges = scopes.indices.map { index in
            "(SELECT c.seq FROM scope_changes c WHERE c.scope = $\(index + 1) AND c.seq > \(cursorMark) ORDER BY c.seq LIMIT \(limitMark))"
        }
        let seqs = scopes.count == 1 ? ranges[0]
            : "SELECT DISTINCT seq FROM (\(ranges.joined(separator: " UNION ALL "))) AS s ORDER BY seq LIMIT \(limitMark)"
        return PostgresQuery(unsafeSQL: "SELECT r.seq, r.state FROM records r WHERE r.seq IN (\(seqs)) ORDER BY r.seq", binds: binds)
    }

    /// The planner's plans for a push's lookups and a pull page, made as the real steps make them (for the
    /// test that keeps every one of them on its index).
    package func queryPlans(ids: [String], numbers: [String], scopes: [UnitID], after cursor: UInt64) async throws -> [String: String] {
        try await transaction(readOnly: true) { [self] connection in
            func plan(_ query: PostgresQuery) async throws -> String {
                let explained = PostgresQuery(unsafeSQL: "EXPLAIN " + query.sql, binds: query.binds)
                return try await fetch(explained, as: String.self, on: connection).joined(separator: "\n")
            }
            // The lookups with the settings of a push transaction, then the page with those of a pull.
            var plans = [
                "records by id": try await plan(Self.byKeys("id, seq, state, units, needs_person", in: "records", key: "id", ids)),
                "receipt numbers": try await plan(Self.byKeys("number, record_id", in: "receipt_numbers", key: "number", numbers)),
            ]
            try await keepPagesOnTheScopeIndex(on: connection)
            plans["pull page"] = try await plan(Self.pageQuery(scopes: scopes, after: cursor, limit: 1_001))
            return plans
        }
    }

    static func storedRecord(_ row: (String, Int64, ByteBuffer, String, Bool)) throws -> ServerRecord {
        ServerRecord(state: try RecordStateJSON.decode(Data(buffer: row.2)), sequence: UInt64(row.1),
                     units: Set(ScopeIndex.units(row.3)), needsPerson: row.4)
    }

    private func insertQuarantine(_ refused: [PushPlan.Quarantined], batch: PushBatch, on connection: PostgresConnection) async throws {
        guard !refused.isEmpty else { return }
        try await connection.query("""
            INSERT INTO quarantine (record_id, replica, batch_id, at, code, rejection, state, chained)
            SELECT record_id, \(batch.replica.rawValue), \(batch.batchID), \(batch.receivedAt), code, rejection, state, true
            FROM unnest(\(refused.map(\.record.rawValue))::text[], \(refused.map(\.rejection.code.rawValue))::text[],
                        \(refused.map { ByteBuffer(data: $0.rejectionJSON) })::bytea[],
                        \(refused.map { ByteBuffer(data: $0.stateJSON) })::bytea[]) AS t(record_id, code, rejection, state)
            """, logger: logger)
    }

    /// Claims the receipt numbers of new incident reports. Numbers were checked free before planning; a
    /// number another node claimed in between makes the whole step run again, which then refuses it.
    private func claimReceiptNumbers(_ changes: [PushPlan.Change], on connection: PostgresConnection) async throws {
        let claims = changes.compactMap { change in change.receiptNumber.map { ($0, change.state.id.rawValue) } }
        guard !claims.isEmpty else { return }
        let inserted = try await fetchRows("""
            INSERT INTO receipt_numbers (number, record_id)
            SELECT * FROM unnest(\(claims.map(\.0))::text[], \(claims.map(\.1))::text[]) ON CONFLICT DO NOTHING RETURNING number
            """, on: connection)
        guard inserted.count == claims.count else { throw LostRace() }
    }

    private func insertChanges(_ changes: [PushPlan.Change], sequences: [Int64], batch: PushBatch,
                               on connection: PostgresConnection) async throws {
        guard !changes.isEmpty else { return }
        let ids = changes.map(\.state.id.rawValue)
        try await connection.query("""
            INSERT INTO history (seq, record_id, replica, batch_id, authors, at, delta, state)
            SELECT seq, record_id, \(batch.replica.rawValue), \(batch.batchID), authors, \(batch.receivedAt), delta, NULLIF(state, ''::bytea)
            FROM unnest(\(sequences)::int8[], \(ids)::text[], \(changes.map(\.authors))::text[],
                        \(changes.map { ByteBuffer(data: $0.deltaJSON) })::bytea[],
                        \(changes.map { ByteBuffer(data: $0.historyStateJSON ?? Data()) })::bytea[]) AS t(seq, record_id, authors, delta, state)
            """, logger: logger)
        try await connection.query("""
            INSERT INTO records (id, type, seq, state, units, needs_person)
            SELECT * FROM unnest(\(ids)::text[], \(changes.map(\.state.type.rawValue))::text[], \(sequences)::int8[],
                                 \(changes.map { ByteBuffer(data: $0.stateJSON) })::bytea[], \(changes.map(\.units))::text[],
                                 \(changes.map(\.needsPerson))::bool[])
            ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, state = EXCLUDED.state, units = EXCLUDED.units,
                needs_person = EXCLUDED.needs_person
            """, logger: logger)
        let units = changes.flatMap { change in change.newUnits.map { (change.state.id.rawValue, $0.rawValue) } }
        if !units.isEmpty {
            try await connection.query("""
                INSERT INTO record_units (record_id, unit) SELECT * FROM unnest(\(units.map(\.0))::text[], \(units.map(\.1))::text[])
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    /// Moves each changed record's scope rows from its previous change to its new sequence (ScopeIndex).
    private func indexScopes(_ changes: [PushPlan.Change], sequences: [Int64], previous: [String: ServerRecord],
                             on connection: PostgresConnection) async throws {
        guard !changes.isEmpty else { return }
        var stale: [(scope: String, seq: Int64)] = []
        var fresh: [(scope: String, seq: Int64, id: String)] = []
        for (change, sequence) in zip(changes, sequences) {
            let id = change.state.id.rawValue
            if let old = previous[id] {
                stale += ScopeIndex.scopes(of: old.units).map { ($0, Int64(old.sequence)) }
            }
            fresh += ScopeIndex.scopes(of: ScopeIndex.units(change.units)).map { ($0, sequence, id) }
        }
        if !stale.isEmpty {
            try await connection.query("""
                DELETE FROM scope_changes c USING unnest(\(stale.map(\.scope))::text[], \(stale.map(\.seq))::int8[]) AS t(scope, seq)
                WHERE c.scope = t.scope AND c.seq = t.seq
                """, logger: logger)
        }
        try await connection.query("""
            INSERT INTO scope_changes (scope, seq, record_id)
            SELECT * FROM unnest(\(fresh.map(\.scope))::text[], \(fresh.map(\.seq))::int8[], \(fresh.map(\.id))::text[])
            """, logger: logger)
    }

    /// The scope index as `scope seq record` lines, in key order (for tests of its maintenance).
    package func scopeIndexRows() async throws -> [String] {
        try await withConnection { [self] connection in
            try await fetch("SELECT scope, seq, record_id FROM scope_changes ORDER BY scope, seq", as: (String, Int64, String).self,
                            on: connection).map { "\($0.0) \($0.1) \($0.2)" }
        }
    }

    public func pullPage(after cursor: UInt64, scopes: [UnitID], limit: Int, maxBytes: Int) async throws -> StoredPage {
        // One snapshot for the head and the page (PullPlan).
        try await transaction(readOnly: true) { [self] connection in
            let head = try await head(on: connection)
            try await keepPagesOnTheScopeIndex(on: connection)
            guard !scopes.isEmpty else { return PullPlan.empty(after: cursor, head: head) }
            var plan = PullPlan(after: cursor, head: head, limit: limit, maxBytes: maxBytes)
            for (sequence, state) in try await fetch(Self.pageQuery(scopes: scopes, after: cursor, limit: plan.rowLimit),
                                                     as: (Int64, ByteBuffer).self, on: connection) {
                guard plan.add(sequence: UInt64(sequence), state: Data(buffer: state)) else { break }
            }
            return plan.page
        }
    }

    /// A page is a range of the scope index's primary key. Without statistics (a new table, or one that
    /// grew faster than autovacuum analyses it) the planner would rather bitmap-scan and sort every later
    /// change of the scope, for each page; this keeps the rest of the transaction on the ordered index.
    private func keepPagesOnTheScopeIndex(on connection: PostgresConnection) async throws {
        try await connection.query("SET LOCAL enable_bitmapscan = off", logger: logger)
    }

    func head(on connection: PostgresConnection) async throws -> UInt64 {
        let head: [Int64] = try await fetch("SELECT seq FROM sync_head WHERE id = 1", as: Int64.self, on: connection)
        return UInt64(head[0])
    }

    public func headSequence() async throws -> UInt64 {
        try await withConnection { [self] connection in
            try await head(on: connection)
        }
    }
}
