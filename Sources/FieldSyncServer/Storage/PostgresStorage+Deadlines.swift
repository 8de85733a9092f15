import FieldSyncCore
import Foundation
import Logging
import PostgresNIO

/// The index of open deadlines (`open_deadlines`, migration v5; see `OpenDeadline`). Push transactions
/// replace a record's rows (`indexDeadlines` in PostgresStorage+Sync).
extension PostgresStorage {
    public func openDeadlines(dueBy: Int64) async throws -> [OpenDeadline] {
        try await withConnection { [self] connection in
            try await fetch("""
                SELECT record_id, deadline, due_at, units FROM open_deadlines WHERE due_at <= \(dueBy) ORDER BY due_at, record_id, deadline
                """, as: (String, String, Int64, String).self, on: connection).map { row in
                OpenDeadline(record: RecordID(row.0), deadline: row.1, dueAt: row.2, units: ScopeIndex.units(row.3))
            }
        }
    }

    public func overdueCounts(at now: Int64) async throws -> [OverdueCount] {
        try await withConnection { [self] connection in
            try await fetch("""
                SELECT units, deadline, count(*)::int8 FROM open_deadlines WHERE due_at < \(now) GROUP BY units, deadline
                """, as: (String, String, Int64).self, on: connection).map { row in
                OverdueCount(units: ScopeIndex.units(row.0), deadline: row.1, count: Int(row.2))
            }
        }
    }

    /// Migration v5's fill: the open deadlines of the stored states of the types that declare them (with
    /// the standard schemas: the ones this build stores), read as a stream and written in chunks.
    static func fillDeadlineIndex(_ storage: PostgresStorage, _ connection: PostgresConnection) async throws {
        let registry = SchemaRegistry.standard
        let types = registry.typesWithDeadlines.map(\.rawValue)
        guard !types.isEmpty else { return }
        var rows: [OpenDeadline] = []
        let states = try await connection.query("SELECT state FROM records WHERE type = ANY(\(types)::text[])", logger: storage.logger)
        for try await buffer in states.decode(ByteBuffer.self) {
            let state = try RecordStateJSON.decode(Data(buffer: buffer))
            rows += OpenDeadline.rows(of: state, registry: registry) ?? []
        }
        for start in stride(from: 0, to: rows.count, by: 10_000) {
            try await insertDeadlines(rows[start ..< min(start + 10_000, rows.count)], on: connection, logger: storage.logger)
        }
    }

    /// Writes `rows` in one statement. ON CONFLICT: a row left by someone with database access does not
    /// make a push fail (`audit verify` names it).
    static func insertDeadlines(_ rows: some Sequence<OpenDeadline>, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = Array(rows)
        guard !rows.isEmpty else { return }
        try await connection.query("""
            INSERT INTO open_deadlines (record_id, deadline, due_at, units)
            SELECT * FROM unnest(\(rows.map(\.record.rawValue))::text[], \(rows.map(\.deadline))::text[],
                                 \(rows.map(\.dueAt))::int8[], \(rows.map(\.unitsColumn))::text[])
            ON CONFLICT (record_id, deadline) DO UPDATE SET due_at = EXCLUDED.due_at, units = EXCLUDED.units
            """, logger: logger)
    }
}
