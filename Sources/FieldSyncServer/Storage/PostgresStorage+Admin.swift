import FieldSyncCore
import Foundation
import PostgresNIO

extension PostgresStorage {
    public func record(_ id: RecordID, audit: AuditDraft?) async throws -> ServerRecord? {
        guard let audit else {
            return try await withConnection { [self] connection in try await storedRecords([id.rawValue], on: connection)[id.rawValue] }
        }
        return try await transaction { [self] connection in
            try await appendAudit([audit], on: connection)
            return try await storedRecords([id.rawValue], on: connection)[id.rawValue]
        }
    }

    public func history(of id: RecordID) async throws -> [HistoryEntry] {
        try await withConnection { [self] connection in
            var entries: [HistoryEntry] = []
            for (seq, replica, batchID, authors, at, delta) in try await fetch("""
                SELECT seq, replica, batch_id, authors, at, delta FROM history WHERE record_id = \(id.rawValue) ORDER BY seq
                """, as: (Int64, String, String, String, Int64, ByteBuffer).self, on: connection) {
                entries.append(HistoryEntry(sequence: UInt64(seq), record: id, replica: ReplicaID(replica), batchID: batchID,
                                            authors: authors.split(separator: ",").map { OfficerID(String($0)) }, at: at,
                                            delta: try RecordStateJSON.decode(Data(buffer: delta))))
            }
            return entries
        }
    }

    public func conflictedRecords(limit: Int) async throws -> [ServerRecord] {
        try await withConnection { [self] connection in
            var records: [ServerRecord] = []
            for row in try await fetch("""
                SELECT id, seq, state, units, needs_person FROM records WHERE needs_person ORDER BY seq LIMIT \(limit)
                """, as: (String, Int64, ByteBuffer, String, Bool).self, on: connection) {
                records.append(try Self.storedRecord(row))
            }
            return records
        }
    }

    public func quarantine(limit: Int) async throws -> [QuarantinedChange] {
        try await withConnection { [self] connection in
            let decoder = JSONDecoder()
            var changes: [QuarantinedChange] = []
            for (id, record, replica, batchID, at, rejection, state) in try await fetch("""
                SELECT id, record_id, replica, batch_id, at, rejection, state FROM quarantine ORDER BY id DESC LIMIT \(limit)
                """, as: (Int64, String, String, String, Int64, ByteBuffer, ByteBuffer).self, on: connection) {
                changes.append(QuarantinedChange(id: id, record: RecordID(record), replica: ReplicaID(replica), batchID: batchID, at: at,
                                                 rejection: try decoder.decode(Rejection.self, from: Data(buffer: rejection)),
                                                 state: try RecordStateJSON.decode(Data(buffer: state))))
            }
            return changes
        }
    }

    public func purge(_ id: RecordID, audit: AuditDraft) async throws {
        try await transaction { [self] connection in
            try await lockRecords([id.rawValue], on: connection)
            let deleted = try await fetch("DELETE FROM records WHERE id = \(id.rawValue) RETURNING seq, units",
                                          as: (Int64, String).self, on: connection)
            guard let (sequence, units) = deleted.first else { throw ServerError(.notFound, "no record \(id)") }
            try await connection.query("""
                DELETE FROM scope_changes WHERE seq = \(sequence) AND scope = ANY(\(Array(ScopeIndex.scopes(of: ScopeIndex.units(units))))::text[])
                """, logger: logger)
            for table in ["history", "quarantine", "record_units", "open_deadlines"] {
                try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(table) WHERE record_id = $1",
                                                         binds: Self.binds(id.rawValue)), logger: logger)
            }
            try await appendAudit([audit], on: connection)
        }
    }

    static func binds(_ values: String...) -> PostgresBindings {
        var binds = PostgresBindings(capacity: values.count)
        for value in values { binds.append(value) }
        return binds
    }
}
