import FieldSyncCore
import PostgresNIO

extension PostgresStorage {
    public func replaceRoster(of unit: UnitID, officers: [OfficerID], now: Int64, audit: AuditDraft) async throws {
        try await transaction { [self] connection in
            try await connection.query("DELETE FROM roster WHERE unit = \(unit.rawValue)", logger: logger)
            let names = Array(Set(officers.map(\.rawValue))).sorted()
            if !names.isEmpty {
                try await connection.query("""
                    INSERT INTO roster (unit, officer, added_at) SELECT \(unit.rawValue), officer, \(now) FROM unnest(\(names)::text[]) AS t(officer)
                    """, logger: logger)
            }
            try await appendAudit([audit], on: connection)
        }
    }

    public func roster(of units: [UnitID]) async throws -> [RosterEntry] {
        try await withConnection { [self] connection in try await roster(of: units, on: connection) }
    }

    func roster(of units: [UnitID], on connection: PostgresConnection) async throws -> [RosterEntry] {
        guard !units.isEmpty else { return [] }
        return try await fetch("SELECT unit, officer, added_at FROM roster WHERE unit = ANY(\(units.map(\.rawValue))::text[]) ORDER BY unit, officer",
                               as: (String, String, Int64).self, on: connection).map { unit, officer, at in
            RosterEntry(unit: UnitID(unit), officer: OfficerID(officer), addedAt: at)
        }
    }
}
