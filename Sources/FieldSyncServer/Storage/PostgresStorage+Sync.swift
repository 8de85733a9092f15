import FieldSyncCore
import Foundation
import PostgresNIO

extension PostgresStorage {
    public func applyPush(_ batch: PushBatch, admit: @escaping @Sendable (RecordState, ServerRecord?) -> Admission) async throws -> AppliedPush {
        try await pushGroups.submit(PendingPush(batch: batch, admit: admit)) { [self] group in try await applyGroup(group) }
    }

    /// Applies a group of batches (`PushGroupCommit`) in one transaction. Every record of the group is
    /// locked first (advisory locks in key order); then, per batch, the pusher is checked (revoked: that
    /// batch fails alone) and a stored batch id answers its replay; every remaining batch is planned
    /// against the records as stored (a group's batches share no record), and only then the head lock is
    /// taken, the sequences assigned and the rows written: one head lock and one commit for the group.
    package func applyGroup(_ group: [PendingPush]) async throws -> [Result<AppliedPush, any Error>] {
        try await transaction { [self] connection in
            try await lockRecords(group.flatMap { $0.batch.records.map(\.id.rawValue) }, on: connection)
            var results = [Result<AppliedPush, any Error>?](repeating: nil, count: group.count)
            var pushers = [PushPlan.Pusher?](repeating: nil, count: group.count)
            var live: [Int] = []
            for (index, push) in group.enumerated() {
                do {
                    // FOR SHARE: a revocation committing meanwhile waits for this batch, or this batch sees it.
                    let pusher = try await pusher(of: push.batch, on: connection)
                    try PushPlan.refuseIfRevoked(pusher, batch: push.batch)
                    pushers[index] = pusher
                    live.append(index)
                } catch let error as ServerError {
                    results[index] = .failure(error)
                }
            }
            // After the record locks: an identical batch racing on another node has committed by now.
            let stored = try await storedBatches(live.map { group[$0].batch }, on: connection)
            live.removeAll { index in
                let batch = group[index].batch
                guard let (fingerprint, answers) = stored[BatchKey(batch)] else { return false }
                results[index] = Result { try PushPlan.replay(of: batch, storedFingerprint: fingerprint, storedResults: answers) }
                return true
            }
            let currents = try await storedRecords(live.flatMap { group[$0].batch.records.map(\.id.rawValue) }, on: connection)
            let numbers = live.flatMap { PushPlan.receiptNumbers(of: group[$0].batch) }
            var holders: [String: RecordID] = [:]
            if !numbers.isEmpty {
                for (number, holder) in try await fetch(Self.byKeys("number, record_id", in: "receipt_numbers", key: "number", numbers),
                                                       as: (String, String).self, on: connection) {
                    holders[number] = RecordID(holder)
                }
            }
            var plans: [(index: Int, plan: PushPlan)] = []
            for index in live {
                let batch = group[index].batch
                do {
                    let plan = try PushPlan(batch: batch, pusher: pushers[index], currents: batch.records.map { currents[$0.id.rawValue] },
                                            receiptHolder: { holders[$0] }, admit: group[index].admit)
                    // A number this batch claims is taken for the group's later batches.
                    for change in plan.changes { if let number = change.receiptNumber { holders[number] = change.state.id } }
                    plans.append((index, plan))
                } catch {
                    results[index] = .failure(error)
                }
            }
            try await insertQuarantine(plans.flatMap { item in item.plan.quarantined.map { ($0, group[item.index].batch) } }, on: connection)
            try await claimReceiptNumbers(plans.flatMap(\.plan.changes), on: connection)

            var head: Head
            let sequences: [Int64]
            let count = Int64(plans.reduce(0) { $0 + $1.plan.changes.count })
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
            var written: [(change: PushPlan.Change, sequence: Int64, batch: PushBatch)] = []
            var drafts: [AuditDraft] = []
            var answered: [(batch: PushBatch, results: [RecordResult])] = []
            var offset = 0
            for (index, plan) in plans {
                let batch = group[index].batch
                let own = sequences[offset ..< offset + plan.changes.count].map(UInt64.init)
                offset += plan.changes.count
                written += zip(plan.changes, own).map { ($0, Int64($1), batch) }
                drafts += plan.auditDrafts(sequences: own, batch: batch)
                let answers = plan.results(sequences: own)
                answered.append((batch, answers))
                results[index] = .success(AppliedPush(results: answers, replayed: false, counts: plan.counts))
            }
            try await insertChanges(written, on: connection)
            try await indexScopes(written, previous: currents, on: connection)
            try await indexDeadlines(written.map(\.change), on: connection)
            _ = try await insertAudit(drafts, head: &head, on: connection)
            try await insertBatches(answered, on: connection)
            try await storeHead(head, on: connection)
            return results.map { $0! }
        }
    }

    /// A batch as the `batches` table keys it.
    private struct BatchKey: Hashable {
        var replica: String
        var batchID: String

        init(_ batch: PushBatch) {
            replica = batch.replica.rawValue
            batchID = batch.batchID
        }

        init(replica: String, batchID: String) {
            self.replica = replica
            self.batchID = batchID
        }
    }

    /// The stored fingerprint and answers of those of `batches` already applied, by key (one index probe each).
    private func storedBatches(_ batches: [PushBatch], on connection: PostgresConnection) async throws -> [BatchKey: (String, Data)] {
        guard !batches.isEmpty else { return [:] }
        var stored: [BatchKey: (String, Data)] = [:]
        for (replica, batchID, fingerprint, answers) in try await fetch("""
            SELECT b.replica, b.batch_id, b.fingerprint, b.results
            FROM unnest(\(batches.map(\.replica.rawValue))::text[], \(batches.map(\.batchID))::text[]) AS k(replica, batch_id)
            CROSS JOIN LATERAL (SELECT * FROM batches t WHERE t.replica = k.replica AND t.batch_id = k.batch_id LIMIT 1) AS b
            """, as: (String, String, String, ByteBuffer).self, on: connection) {
            stored[BatchKey(replica: replica, batchID: batchID)] = (fingerprint, Data(buffer: answers))
        }
        return stored
    }

    private func insertBatches(_ answered: [(batch: PushBatch, results: [RecordResult])], on connection: PostgresConnection) async throws {
        guard !answered.isEmpty else { return }
        let encoded = try answered.map { ByteBuffer(data: try PushPlan.encodeResults($0.results)) }
        try await connection.query("""
            INSERT INTO batches (replica, batch_id, fingerprint, results, at)
            SELECT * FROM unnest(\(answered.map(\.batch.replica.rawValue))::text[], \(answered.map(\.batch.batchID))::text[],
                                 \(answered.map(\.batch.fingerprint))::text[], \(encoded)::bytea[], \(answered.map(\.batch.receivedAt))::int8[])
            """, logger: logger)
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

    private func insertQuarantine(_ refused: [(PushPlan.Quarantined, PushBatch)], on connection: PostgresConnection) async throws {
        guard !refused.isEmpty else { return }
        try await connection.query("""
            INSERT INTO quarantine (record_id, replica, batch_id, at, code, rejection, state, chained)
            SELECT record_id, replica, batch_id, at, code, rejection, state, true
            FROM unnest(\(refused.map(\.0.record.rawValue))::text[], \(refused.map(\.1.replica.rawValue))::text[],
                        \(refused.map(\.1.batchID))::text[], \(refused.map(\.1.receivedAt))::int8[],
                        \(refused.map(\.0.rejection.code.rawValue))::text[],
                        \(refused.map { ByteBuffer(data: $0.0.rejectionJSON) })::bytea[],
                        \(refused.map { ByteBuffer(data: $0.0.stateJSON) })::bytea[])
                AS t(record_id, replica, batch_id, at, code, rejection, state)
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

    private func insertChanges(_ written: [(change: PushPlan.Change, sequence: Int64, batch: PushBatch)],
                               on connection: PostgresConnection) async throws {
        guard !written.isEmpty else { return }
        let changes = written.map(\.change)
        let ids = changes.map(\.state.id.rawValue)
        let sequences = written.map(\.sequence)
        try await connection.query("""
            INSERT INTO history (seq, record_id, replica, batch_id, authors, at, delta, state)
            SELECT seq, record_id, replica, batch_id, authors, at, delta, NULLIF(state, ''::bytea)
            FROM unnest(\(sequences)::int8[], \(ids)::text[], \(written.map(\.batch.replica.rawValue))::text[],
                        \(written.map(\.batch.batchID))::text[], \(changes.map(\.authors))::text[],
                        \(written.map(\.batch.receivedAt))::int8[],
                        \(changes.map { ByteBuffer(data: $0.deltaJSON) })::bytea[],
                        \(changes.map { ByteBuffer(data: $0.historyStateJSON ?? Data()) })::bytea[])
                AS t(seq, record_id, replica, batch_id, authors, at, delta, state)
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
    private func indexScopes(_ written: [(change: PushPlan.Change, sequence: Int64, batch: PushBatch)], previous: [String: ServerRecord],
                             on connection: PostgresConnection) async throws {
        guard !written.isEmpty else { return }
        var stale: [(scope: String, seq: Int64)] = []
        var fresh: [(scope: String, seq: Int64, id: String)] = []
        for (change, sequence, _) in written {
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

    /// Replaces the open-deadline rows (`OpenDeadline`) of each changed record of a type that declares
    /// deadlines with those of its new state (the last one, should a group change a record twice).
    private func indexDeadlines(_ changes: [PushPlan.Change], on connection: PostgresConnection) async throws {
        var latest: [String: [OpenDeadline]] = [:]
        var replaced: [String] = []
        for change in changes {
            guard let rows = change.openDeadlines else { continue }
            let id = change.state.id.rawValue
            if !change.isNew || latest[id] != nil { replaced.append(id) }
            latest[id] = rows
        }
        if !replaced.isEmpty {
            try await connection.query("DELETE FROM open_deadlines WHERE record_id = ANY(\(replaced)::text[])", logger: logger)
        }
        try await Self.insertDeadlines(latest.values.joined(), on: connection, logger: logger)
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
            // In chunks, within the one snapshot: a page of 10,000 records but 4 MiB holds ~3,500 incident
            // reports, and one query for `rowLimit` rows sent all 10,001 states to be dropped here.
            var after = cursor
            var wanted = plan.rowLimit
            reading: while wanted > 0 {
                let chunk = min(wanted, options.pageChunkRows)
                var rows = 0
                for (sequence, state) in try await fetch(Self.pageQuery(scopes: scopes, after: after, limit: chunk),
                                                         as: (Int64, ByteBuffer).self, on: connection) {
                    rows += 1
                    guard plan.add(sequence: UInt64(sequence), state: Data(buffer: state)) else { break reading }
                    after = UInt64(sequence)
                }
                guard rows == chunk else { break }
                wanted -= rows
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
extension PostgresStorage: PushGroupApplying {}
