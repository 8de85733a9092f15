import FieldSyncCore
import Foundation
import PostgresNIO

extension PostgresStorage {
    public var auditSigningRefusal: String? { signedHead.refusal }

    public func latestCheckpoint() async throws -> AuditCheckpoint? {
        try await withConnection { [self] connection in
            try await fetchCheckpoints("SELECT seq, head_hash, at, key_id, signature FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
                                       on: connection).first
        }
    }

    public func checkpoints(after sequence: UInt64, limit: Int) async throws -> [AuditCheckpoint] {
        try await withConnection { [self] connection in
            try await fetchCheckpoints("""
                SELECT seq, head_hash, at, key_id, signature FROM audit_checkpoints WHERE seq > \(Int64(sequence)) ORDER BY seq LIMIT \(limit)
                """, on: connection)
        }
    }

    private func fetchCheckpoints(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [AuditCheckpoint] {
        try await fetch(query, as: (Int64, String, Int64, String, String).self, on: connection).map { row in
            AuditCheckpoint(sequence: UInt64(row.0), headHash: row.1, at: row.2, keyID: row.3, signature: row.4)
        }
    }

    public func historyRows(after sequence: UInt64, limit: Int) async throws -> [StoredHistoryRow] {
        try await withConnection { [self] connection in
            try await fetch("""
                SELECT seq, record_id, delta, state FROM history WHERE seq > \(Int64(sequence)) ORDER BY seq LIMIT \(limit)
                """, as: (Int64, String, ByteBuffer, ByteBuffer?).self, on: connection).map(Self.historyRow)
        }
    }

    public func recordsWithHistory(after id: RecordID?, limit: Int) async throws -> [StoredRecordRows] {
        try await transaction(readOnly: true) { [self] connection in
            let records = try await fetch("""
                SELECT id, seq, state FROM records WHERE id > \(id?.rawValue ?? "") ORDER BY id LIMIT \(limit)
                """, as: (String, Int64, ByteBuffer).self, on: connection)
            guard let first = records.first?.0, let last = records.last?.0 else { return [] }
            // One range read of the history index for the page, never a scan of the whole table per page
            // (which the planner might choose on a table it has no statistics for yet).
            try await connection.query("SET LOCAL enable_seqscan = off", logger: logger)
            var history: [String: [StoredHistoryRow]] = [:]
            for row in try await fetch("""
                SELECT seq, record_id, delta, state FROM history WHERE record_id >= \(first) AND record_id <= \(last) ORDER BY record_id, seq
                """, as: (Int64, String, ByteBuffer, ByteBuffer?).self, on: connection) {
                let entry = Self.historyRow(row)
                history[entry.record.rawValue, default: []].append(entry)
            }
            return records.map { id, seq, state in
                StoredRecordRows(id: RecordID(id), sequence: UInt64(seq), state: Data(buffer: state), history: history[id] ?? [])
            }
        }
    }

    static func historyRow(_ row: (Int64, String, ByteBuffer, ByteBuffer?)) -> StoredHistoryRow {
        StoredHistoryRow(sequence: UInt64(row.0), record: RecordID(row.1), delta: Data(buffer: row.2), state: row.3.map { Data(buffer: $0) })
    }

    public func firstHistoryWithoutRecord() async throws -> StoredHistoryRow? {
        try await withConnection { [self] connection in
            try await fetch("""
                SELECT seq, record_id, delta, state FROM history h
                WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.id = h.record_id) ORDER BY seq LIMIT 1
                """, as: (Int64, String, ByteBuffer, ByteBuffer?).self, on: connection).map(Self.historyRow).first
        }
    }

    public func chainedQuarantineRows(after id: Int64, limit: Int) async throws -> [StoredQuarantineRow] {
        try await withConnection { [self] connection in
            try await fetch("""
                SELECT id, record_id, batch_id, state FROM quarantine WHERE chained AND id > \(id) ORDER BY id LIMIT \(limit)
                """, as: (Int64, String, String, ByteBuffer).self, on: connection).map { row in
                StoredQuarantineRow(id: row.0, record: RecordID(row.1), batchID: row.2, state: Data(buffer: row.3))
            }
        }
    }
}
