import Crypto
import FieldSyncCore
import Foundation
import GRDB

extension SQLiteStorage {
    public func applyPush(_ batch: PushBatch, admit: @Sendable (RecordState, StoredRecord?) -> Admission) async throws -> AppliedPush {
        try await pool.write { db in
            if let stored = try Row.fetchOne(db, sql: "SELECT fingerprint, results FROM batches WHERE replica = ? AND batch_id = ?",
                                             arguments: [batch.replica.rawValue, batch.batchID]) {
                guard stored["fingerprint"] as String == batch.fingerprint else {
                    throw ServerError(.batchConflict, "batch \(batch.batchID) was already pushed with different content")
                }
                return AppliedPush(results: try JSONDecoder().decode([RecordResult].self, from: stored["results"] as Data),
                                   replayed: true)
            }
            let encoder = JSONEncoder()
            var chain = try AuditAppender(db)
            var results: [RecordResult] = []
            results.reserveCapacity(batch.records.count)
            for (index, incoming) in batch.records.enumerated() {
                let prepared = batch.encoded.isEmpty ? nil : batch.encoded[index]
                let current = try Self.storedRecord(db, id: incoming.id)
                var admission = admit(incoming, current)
                if case .store(let state, _, _, _, _) = admission, current == nil,
                   let taken = try Self.claimReceiptNumber(db, for: state) {
                    admission = .reject(taken, current: nil)
                }
                switch admission {
                case .store(let state, let delta, let units, let needsPerson, let isIncoming):
                    let reuse = isIncoming ? prepared : nil
                    let stateJSON = reuse?.json ?? RecordStateJSON.encode(state)
                    let deltaJSON = current == nil ? stateJSON : RecordStateJSON.encode(delta)
                    let deltaDigest = current == nil ? reuse?.sha256 ?? Self.sha256Hex(deltaJSON) : Self.sha256Hex(deltaJSON)
                    let authors = Set(delta.fields.values.joined().map(\.author.rawValue)).sorted().joined(separator: ",")
                    try db.cachedStatement(sql: """
                        INSERT INTO history (record_id, replica, batch_id, authors, at, delta) VALUES (?, ?, ?, ?, ?, ?)
                        """).execute(arguments: [incoming.id.rawValue, batch.replica.rawValue, batch.batchID, authors,
                                                 batch.receivedAt, deltaJSON])
                    let sequence = db.lastInsertedRowID
                    try db.cachedStatement(sql: """
                        INSERT INTO records (id, type, seq, state, units, needs_person) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, state = excluded.state,
                            units = excluded.units, needs_person = excluded.needs_person
                        """).execute(arguments: [state.id.rawValue, state.type.rawValue, sequence, stateJSON,
                                                 units.map(\.rawValue).sorted().joined(separator: " "), needsPerson])
                    try Self.indexScopes(db, id: state.id, units: units, sequence: sequence, previous: current)
                    for unit in units where current?.units.contains(unit) != true {
                        try db.cachedStatement(sql: "INSERT OR IGNORE INTO record_units (record_id, unit) VALUES (?, ?)")
                            .execute(arguments: [state.id.rawValue, unit.rawValue])
                    }
                    try chain.append(AuditDraft(kind: .change, at: batch.receivedAt, actor: authors,
                                                replica: batch.replica.rawValue, subject: state.id.rawValue,
                                                detail: "seq \(sequence) batch \(batch.batchID) delta sha256:\(deltaDigest)"))
                    results.append(RecordResult(id: incoming.id, outcome: .accepted(seq: UInt64(sequence))))
                case .unchanged:
                    results.append(RecordResult(id: incoming.id, outcome: .accepted(seq: current?.sequence ?? 0)))
                case .reject(let rejection, let visible):
                    try db.cachedStatement(sql: """
                        INSERT INTO quarantine (record_id, replica, batch_id, at, code, rejection, state) VALUES (?, ?, ?, ?, ?, ?, ?)
                        """).execute(arguments: [incoming.id.rawValue, batch.replica.rawValue, batch.batchID, batch.receivedAt,
                                                 rejection.code.rawValue, try encoder.encode(rejection), prepared?.json ?? RecordStateJSON.encode(incoming)])
                    results.append(RecordResult(id: incoming.id, outcome: .rejected(rejection, current: visible)))
                }
            }
            try db.execute(sql: "INSERT INTO batches (replica, batch_id, fingerprint, results, at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [batch.replica.rawValue, batch.batchID, batch.fingerprint,
                                       try encoder.encode(results), batch.receivedAt])
            return AppliedPush(results: results, replayed: false)
        }
    }

    /// Records the receipt number of a new incident report, or says which case already holds it. Leases
    /// keep honest terminals apart; this catches a terminal restored from a backup, or a hostile one.
    static func claimReceiptNumber(_ db: Database, for state: RecordState) throws -> Rejection? {
        guard state.type == .incidentReport, let number = state.entries("receiptNumber").first?.value.stringValue else { return nil }
        if let holder = try String.fetchOne(db, sql: "SELECT record_id FROM receipt_numbers WHERE number = ?", arguments: [number]),
           holder != state.id.rawValue {
            return Rejection(.invalidValue, fields: ["receiptNumber"],
                             message: "receipt number \(number) was already issued to another case; issue a new one from the lease")
        }
        try db.execute(sql: "INSERT OR IGNORE INTO receipt_numbers (number, record_id) VALUES (?, ?)", arguments: [number, state.id.rawValue])
        return nil
    }

    public func pullPage(after cursor: UInt64, scopes: [UnitID], limit: Int) async throws -> StoredPage {
        precondition(limit > 0)
        return try await pool.read { db in
            let head = try Self.headSequence(db)
            guard !scopes.isEmpty else { return StoredPage(states: [], cursor: max(cursor, head), hasMore: false, head: head) }
            let rows = try Self.scopedChanges(db, after: cursor, scopes: scopes, limit: limit + 1)
            var states: [Data] = []
            states.reserveCapacity(min(limit, 1_000))
            var last = cursor
            var hasMore = false
            while let row = try rows.next() {
                if states.count == limit { hasMore = true; break }
                last = UInt64(row[0] as Int64)
                states.append(row[1])
            }
            // Within this read snapshot nothing commits, so a complete page may move the cursor to the
            // head: the changes between `last` and `head` are all invisible to these scopes.
            return StoredPage(states: states, cursor: hasMore ? last : max(cursor, head), hasMore: hasMore, head: head)
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

    static func storedRecord(_ db: Database, id: RecordID) throws -> StoredRecord? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, state, units, needs_person FROM records WHERE id = ?"),
                                         arguments: [id.rawValue]) else { return nil }
        return try storedRecord(from: row)
    }

    static func storedRecord(from row: Row) throws -> StoredRecord {
        let units = (row["units"] as String).split(separator: " ").map { UnitID(String($0)) }
        return StoredRecord(state: try JSONDecoder().decode(RecordState.self, from: row["state"] as Data),
                            sequence: UInt64(row["seq"] as Int64), units: Set(units), needsPerson: row["needs_person"])
    }

    static func sha256Hex(_ data: Data) -> String {
        AuditChain.hex(SHA256.hash(data: data))
    }
}
