import FieldSyncCore
import Foundation
import GRDB

extension SQLiteStorage {
    public var auditSigningRefusal: String? { signedHead.refusal }

    public func latestCheckpoint() async throws -> AuditCheckpoint? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1").map(Self.checkpoint(from:))
        }
    }

    public func checkpoints(after sequence: UInt64, limit: Int) async throws -> [AuditCheckpoint] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_checkpoints WHERE seq > ? ORDER BY seq LIMIT ?",
                             arguments: [Int64(sequence), limit]).map(Self.checkpoint(from:))
        }
    }

    static func checkpoint(from row: Row) -> AuditCheckpoint {
        AuditCheckpoint(sequence: UInt64(row["seq"] as Int64), headHash: row["head_hash"], at: row["at"],
                        keyID: row["key_id"], signature: row["signature"])
    }

    public func historyRows(after sequence: UInt64, limit: Int) async throws -> [StoredHistoryRow] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, record_id, delta, state FROM history WHERE seq > ? ORDER BY seq LIMIT ?",
                             arguments: [Int64(sequence), limit]).map(Self.historyRow(from:))
        }
    }

    public func recordsWithHistory(after id: RecordID?, limit: Int) async throws -> [StoredRecordRows] {
        try await pool.read { db in
            let records = try Row.fetchAll(db, sql: "SELECT id, seq, state FROM records WHERE id > ? ORDER BY id LIMIT ?",
                                           arguments: [id?.rawValue ?? "", limit])
            guard let first = records.first, let last = records.last else { return [] }
            // One range read of the history index for the whole page.
            var history: [String: [StoredHistoryRow]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT seq, record_id, delta, state FROM history WHERE record_id >= ? AND record_id <= ? ORDER BY record_id, seq
                """, arguments: [first["id"] as String, last["id"] as String]) {
                let entry = Self.historyRow(from: row)
                history[entry.record.rawValue, default: []].append(entry)
            }
            return records.map { row in
                let id = row["id"] as String
                return StoredRecordRows(id: RecordID(id), sequence: UInt64(row["seq"] as Int64), state: row["state"],
                                        history: history[id] ?? [])
            }
        }
    }

    static func historyRow(from row: Row) -> StoredHistoryRow {
        StoredHistoryRow(sequence: UInt64(row["seq"] as Int64), record: RecordID(row["record_id"] as String),
                         delta: row["delta"], state: row["state"])
    }

    public func firstHistoryWithoutRecord() async throws -> StoredHistoryRow? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT seq, record_id, delta, state FROM history h
                WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.id = h.record_id) ORDER BY seq LIMIT 1
                """).map(Self.historyRow(from:))
        }
    }

    public func chainedQuarantineRows(after id: Int64, limit: Int) async throws -> [StoredQuarantineRow] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, record_id, batch_id, state FROM quarantine WHERE chained AND id > ? ORDER BY id LIMIT ?",
                             arguments: [id, limit]).map { row in
                StoredQuarantineRow(id: row["id"], record: RecordID(row["record_id"] as String), batchID: row["batch_id"], state: row["state"])
            }
        }
    }
}
