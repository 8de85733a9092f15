import FieldSyncCore
import GRDB

extension SQLiteStorage {
    public func replaceRoster(of unit: UnitID, officers: [OfficerID], now: Int64, audit: AuditDraft) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM roster WHERE unit = ?", arguments: [unit.rawValue])
            for officer in Set(officers) {
                try db.execute(sql: "INSERT INTO roster (unit, officer, added_at) VALUES (?, ?, ?)",
                               arguments: [unit.rawValue, officer.rawValue, now])
            }
            var chain = try AuditAppender(db, signer: auditSigner, memory: signedHead)
            try chain.append(audit)
            try chain.seal()
        }
    }

    public func roster(of units: [UnitID]) async throws -> [RosterEntry] {
        try await pool.read { db in try Self.roster(db, of: units) }
    }

    static func roster(_ db: Database, of units: [UnitID]) throws -> [RosterEntry] {
        guard !units.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: units.count).joined(separator: ", ")
        return try Row.fetchAll(db, sql: "SELECT unit, officer, added_at FROM roster WHERE unit IN (\(marks)) ORDER BY unit, officer",
                                arguments: StatementArguments(units.map(\.rawValue))).map { row in
            RosterEntry(unit: UnitID(row["unit"] as String), officer: OfficerID(row["officer"] as String), addedAt: row["added_at"])
        }
    }
}
