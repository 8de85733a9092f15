import FieldSyncCore
import Foundation
import GRDB

/// The index of open deadlines (`open_deadlines`, migration v6; see `OpenDeadline`): one row per record
/// and deadline not met, replaced in the transaction that stores the record's state.
extension SQLiteStorage {
    /// Replaces the record's rows with `rows` (a new record has none to replace).
    static func indexDeadlines(_ db: Database, id: RecordID, rows: [OpenDeadline], isNew: Bool) throws {
        if !isNew {
            try db.cachedStatement(sql: "DELETE FROM open_deadlines WHERE record_id = ?").execute(arguments: [id.rawValue])
        }
        guard !rows.isEmpty else { return }
        // OR REPLACE: a row left by someone with database access does not make the push fail (`audit verify` names it).
        let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO open_deadlines (record_id, deadline, due_at, units) VALUES (?, ?, ?, ?)")
        for row in rows { try insert.execute(arguments: [row.record.rawValue, row.deadline, row.dueAt, row.unitsColumn]) }
    }

    public func openDeadlines(dueBy: Int64) async throws -> [OpenDeadline] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT record_id, deadline, due_at, units FROM open_deadlines WHERE due_at <= ? ORDER BY due_at, record_id, deadline
                """, arguments: [dueBy]).map { row in
                OpenDeadline(record: RecordID(row[0] as String), deadline: row[1], dueAt: row[2], units: ScopeIndex.units(row[3]))
            }
        }
    }

    public func overdueCounts(at now: Int64) async throws -> [OverdueCount] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT units, deadline, count(*) FROM open_deadlines WHERE due_at < ? GROUP BY units, deadline
                """, arguments: [now]).map { row in
                OverdueCount(units: ScopeIndex.units(row[0]), deadline: row[1], count: row[2])
            }
        }
    }

    /// Migration v6: the index, filled from the stored states of the types that declare deadlines (with
    /// the standard schemas: the ones this build stores).
    static func createDeadlineIndex(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE open_deadlines (
                record_id TEXT NOT NULL,
                deadline TEXT NOT NULL,
                due_at INTEGER NOT NULL,
                units TEXT NOT NULL,
                PRIMARY KEY (record_id, deadline)
            ) WITHOUT ROWID;
            CREATE INDEX open_deadlines_due ON open_deadlines (due_at);
            """)
        let registry = SchemaRegistry.standard
        let types = registry.typesWithDeadlines.map(\.rawValue)
        guard !types.isEmpty else { return }
        let marks = Array(repeating: "?", count: types.count).joined(separator: ", ")
        let states = try Row.fetchCursor(db, sql: "SELECT state FROM records WHERE type IN (\(marks))", arguments: StatementArguments(types))
        while let row = try states.next() {
            let state = try RecordStateJSON.decode(row[0] as Data)
            try indexDeadlines(db, id: state.id, rows: OpenDeadline.rows(of: state, registry: registry) ?? [], isNew: true)
        }
    }
}
