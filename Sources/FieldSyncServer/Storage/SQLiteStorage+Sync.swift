import FieldSyncCore
import Foundation
import GRDB

extension SQLiteStorage {
    public func applyPush(_ batch: PushBatch, admit: @escaping @Sendable (RecordState, ServerRecord?) -> Admission) async throws -> AppliedPush {
        try await pushGroups.submit(PendingPush(batch: batch, admit: admit)) { [self] group in try await applyGroup(group) }
    }

    /// Applies a group of batches (`PushGroupCommit`) in one write transaction, each batch in a savepoint of
    /// its own: a batch that fails (revoked, a reused batch id, a storage error in its rows) leaves nothing,
    /// and the others commit. The chain's checkpoint is signed once, for the whole group.
    package func applyGroup(_ group: [PendingPush]) async throws -> [Result<AppliedPush, any Error>] {
        try await pool.write { [auditSigner, signedHead] db in
            var chain = try AuditAppender(db, signer: auditSigner, memory: signedHead)
            var results: [Result<AppliedPush, any Error>] = []
            results.reserveCapacity(group.count)
            for push in group {
                let before = chain
                do {
                    var applied: AppliedPush?
                    try db.inSavepoint {
                        applied = try Self.apply(push.batch, admit: push.admit, db: db, chain: &chain)
                        return .commit
                    }
                    results.append(.success(applied!))
                } catch {
                    // A failure SQLite answered by rolling back the whole transaction (disk full, I/O error):
                    // nothing of the group may be written outside it, so the group fails and is retried alone.
                    guard db.isInsideTransaction else { throw error }
                    chain = before
                    results.append(.failure(error))
                }
            }
            try chain.seal()
            return results
        }
    }

    /// One batch's rows, inside the group's transaction.
    static func apply(_ batch: PushBatch, admit: (RecordState, ServerRecord?) -> Admission, db: Database,
                      chain: inout AuditAppender) throws -> AppliedPush {
        let pusher = try Self.pusher(db, batch: batch)
        try PushPlan.refuseIfRevoked(pusher, batch: batch)
        if let stored = try Row.fetchOne(db.cachedStatement(sql: "SELECT fingerprint, results FROM batches WHERE replica = ? AND batch_id = ?"),
                                         arguments: [batch.replica.rawValue, batch.batchID]) {
            return try PushPlan.replay(of: batch, storedFingerprint: stored["fingerprint"], storedResults: stored["results"])
        }
        let currents = try batch.records.map { try Self.storedRecord(db, id: $0.id) }
        let plan = try PushPlan(batch: batch, pusher: pusher, currents: currents, receiptHolder: { number in
            try String.fetchOne(db.cachedStatement(sql: "SELECT record_id FROM receipt_numbers WHERE number = ?"),
                                arguments: [number]).map(RecordID.init)
        }, admit: admit)
        let previous = Dictionary(currents.compactMap { $0.map { ($0.state.id, $0) } }, uniquingKeysWith: { first, _ in first })
        var sequences: [UInt64] = []
        sequences.reserveCapacity(plan.changes.count)
        for change in plan.changes {
            let id = change.state.id.rawValue
            try db.cachedStatement(sql: """
                INSERT INTO history (record_id, replica, batch_id, authors, at, delta, state) VALUES (?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [id, batch.replica.rawValue, batch.batchID, change.authors, batch.receivedAt, change.deltaJSON,
                                         change.historyStateJSON])
            let sequence = db.lastInsertedRowID
            try db.cachedStatement(sql: """
                INSERT INTO records (id, type, seq, state, units, needs_person) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, state = excluded.state,
                    units = excluded.units, needs_person = excluded.needs_person
                """).execute(arguments: [id, change.state.type.rawValue, sequence, change.stateJSON, change.units, change.needsPerson])
            try Self.indexScopes(db, id: change.state.id, units: Set(ScopeIndex.units(change.units)),
                                 sequence: sequence, previous: previous[change.state.id])
            for unit in change.newUnits {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO record_units (record_id, unit) VALUES (?, ?)")
                    .execute(arguments: [id, unit.rawValue])
            }
            if let number = change.receiptNumber {
                try db.cachedStatement(sql: "INSERT INTO receipt_numbers (number, record_id) VALUES (?, ?)").execute(arguments: [number, id])
            }
            if let open = change.openDeadlines {
                try Self.indexDeadlines(db, id: change.state.id, rows: open, isNew: change.isNew)
            }
            sequences.append(UInt64(sequence))
        }
        for refused in plan.quarantined {
            try db.cachedStatement(sql: """
                INSERT INTO quarantine (record_id, replica, batch_id, at, code, rejection, state, chained) VALUES (?, ?, ?, ?, ?, ?, ?, 1)
                """).execute(arguments: [refused.record.rawValue, batch.replica.rawValue, batch.batchID, batch.receivedAt,
                                         refused.rejection.code.rawValue, refused.rejectionJSON, refused.stateJSON])
        }
        for draft in plan.auditDrafts(sequences: sequences, batch: batch) { try chain.append(draft) }
        let results = plan.results(sequences: sequences)
        try db.cachedStatement(sql: "INSERT INTO batches (replica, batch_id, fingerprint, results, at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [batch.replica.rawValue, batch.batchID, batch.fingerprint, try PushPlan.encodeResults(results), batch.receivedAt])
        return AppliedPush(results: results, replayed: false, counts: plan.counts)
    }

    /// The pushing device as stored now, inside the batch's write transaction; its leases only when the
    /// batch carries receipt numbers.
    static func pusher(_ db: Database, batch: PushBatch) throws -> PushPlan.Pusher? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT revoked_at, credential_hash, station FROM devices WHERE replica = ?"),
                                         arguments: [batch.replica.rawValue]) else { return nil }
        var leases: [ReceiptLease] = []
        if !PushPlan.receiptNumbers(of: batch).isEmpty {
            leases = try Row.fetchAll(db.cachedStatement(sql: "SELECT prefix, first, last FROM leases WHERE replica = ?"),
                                      arguments: [batch.replica.rawValue]).compactMap { row in
                let first: Int64 = row["first"], last: Int64 = row["last"]
                return first <= last ? ReceiptLease(prefix: row["prefix"], first: first, last: last) : nil
            }
        }
        let roster = try Self.roster(db, of: RosterEntry.coveringUnits(of: UnitID(row["station"] as String)))
        return PushPlan.Pusher(revoked: (row["revoked_at"] as Int64?) != nil,
                               credentialHash: [UInt8](row["credential_hash"] as Data), leases: leases,
                               roster: roster.isEmpty ? nil : Set(roster.map(\.officer)))
    }

    public func pullPage(after cursor: UInt64, scopes: [UnitID], limit: Int, maxBytes: Int) async throws -> StoredPage {
        try await pool.read { db in
            let head = try Self.headSequence(db)
            guard !scopes.isEmpty else { return PullPlan.empty(after: cursor, head: head) }
            var plan = PullPlan(after: cursor, head: head, limit: limit, maxBytes: maxBytes)
            let rows = try Self.scopedChanges(db, after: cursor, scopes: scopes, limit: plan.rowLimit)
            while let row = try rows.next(), plan.add(sequence: UInt64(row[0] as Int64), state: row[1]) {}
            return plan.page
        }
    }

    public func headSequence() async throws -> UInt64 {
        try await pool.read { db in try Self.headSequence(db) }
    }

    /// The highest change sequence ever assigned. AUTOINCREMENT keeps it in sqlite_sequence, and unlike
    /// MAX(seq) it never goes down when a purge removes the newest record, so issued cursors stay valid.
    static func headSequence(_ db: Database) throws -> UInt64 {
        UInt64(try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'history'") ?? 0)
    }

    static func storedRecord(_ db: Database, id: RecordID) throws -> ServerRecord? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, state, units, needs_person FROM records WHERE id = ?"),
                                         arguments: [id.rawValue]) else { return nil }
        return try storedRecord(from: row)
    }

    static func storedRecord(from row: Row) throws -> ServerRecord {
        let units = ScopeIndex.units(row["units"])
        return ServerRecord(state: try RecordStateJSON.decode(row["state"] as Data),
                            sequence: UInt64(row["seq"] as Int64), units: Set(units), needsPerson: row["needs_person"])
    }
}
extension SQLiteStorage: PushGroupApplying {}
