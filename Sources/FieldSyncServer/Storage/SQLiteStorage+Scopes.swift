import FieldSyncCore
import GRDB

/// Pulls read a scope's changes from `scope_changes` (migration v3): one row per change and per scope
/// that may see it, keyed by (scope, seq). A scope sees a record when one of the record's units is the
/// scope or lies under it, so each unit is indexed under itself and every prefix of it at a dot
/// (`KH.P03.S012.B05` under `KH`, `KH.P03`, `KH.P03.S012` and itself). A pull is then a range read of
/// its own scope in sequence order: its cost follows the page, not the other stations' changes that it
/// used to walk past (every one of them, for a terminal starting from the beginning).
extension SQLiteStorage {
    /// Moves the record's rows from its previous change to `sequence`, under every scope its units give.
    static func indexScopes(_ db: Database, id: RecordID, units: Set<UnitID>, sequence: Int64, previous: ServerRecord?) throws {
        if let previous {
            try unindexScopes(db, units: previous.units, sequence: Int64(previous.sequence))
        }
        let insert = try db.cachedStatement(sql: "INSERT INTO scope_changes (scope, seq, record_id) VALUES (?, ?, ?)")
        for scope in ScopeIndex.scopes(of: units) { try insert.execute(arguments: [scope, sequence, id.rawValue]) }
    }

    static func unindexScopes(_ db: Database, units: some Sequence<UnitID>, sequence: Int64) throws {
        let delete = try db.cachedStatement(sql: "DELETE FROM scope_changes WHERE scope = ? AND seq = ?")
        for scope in ScopeIndex.scopes(of: units) { try delete.execute(arguments: [scope, sequence]) }
    }

    /// The changes after `cursor` that `scopes` may see, in sequence order: `(seq, state)` rows.
    static func scopedChanges(_ db: Database, after cursor: UInt64, scopes: [UnitID], limit: Int) throws -> RowCursor {
        let marks = Array(repeating: "?", count: scopes.count).joined(separator: ", ")
        // Nested scopes of one device would name a change twice: one row per change.
        let distinct = scopes.count > 1 ? "GROUP BY c.seq" : ""
        var arguments = StatementArguments(scopes.map(\.rawValue))
        arguments += [Int64(clamping: cursor), limit]
        return try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT c.seq, r.state FROM scope_changes c JOIN records r ON r.seq = c.seq
            WHERE c.scope IN (\(marks)) AND c.seq > ? \(distinct) ORDER BY c.seq LIMIT ?
            """), arguments: arguments)
    }

    /// Migration v3: the scope index, filled from the records' units.
    static func createScopeIndex(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE scope_changes (
                scope TEXT NOT NULL,
                seq INTEGER NOT NULL,
                record_id TEXT NOT NULL,
                PRIMARY KEY (scope, seq)
            ) WITHOUT ROWID
            """)
        let rows = try Row.fetchCursor(db, sql: "SELECT r.seq, r.id, r.units FROM records r")
        let insert = try db.makeStatement(sql: "INSERT INTO scope_changes (scope, seq, record_id) VALUES (?, ?, ?)")
        while let row = try rows.next() {
            let units = ScopeIndex.units(row[2])
            for scope in ScopeIndex.scopes(of: units) { try insert.execute(arguments: [scope, row[0] as Int64, row[1] as String]) }
        }
    }
}
