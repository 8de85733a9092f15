import FieldSyncCore
import Foundation
import GRDB

extension SQLiteStorage {
    public func record(_ id: RecordID, audit: AuditDraft?) async throws -> ServerRecord? {
        if let audit {
            return try await pool.write { db in
                var chain = try AuditAppender(db, signer: auditSigner, memory: signedHead)
                try chain.append(audit)
                try chain.seal()
                return try Self.storedRecord(db, id: id)
            }
        }
        return try await pool.read { db in try Self.storedRecord(db, id: id) }
    }

    public func history(of id: RecordID) async throws -> [HistoryEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM history WHERE record_id = ? ORDER BY seq", arguments: [id.rawValue]).map { row in
                HistoryEntry(sequence: UInt64(row["seq"] as Int64), record: id, replica: ReplicaID(row["replica"] as String),
                             batchID: row["batch_id"],
                             authors: (row["authors"] as String).split(separator: ",").map { OfficerID(String($0)) },
                             at: row["at"], delta: try JSONDecoder().decode(RecordState.self, from: row["delta"] as Data))
            }
        }
    }

    public func conflictedRecords(limit: Int) async throws -> [ServerRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT seq, state, units, needs_person FROM records WHERE needs_person ORDER BY seq LIMIT ?
                """, arguments: [limit]).map(Self.storedRecord(from:))
        }
    }

    public func quarantine(limit: Int) async throws -> [QuarantinedChange] {
        try await pool.read { db in
            let decoder = JSONDecoder()
            return try Row.fetchAll(db, sql: "SELECT * FROM quarantine ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                QuarantinedChange(id: row["id"], record: RecordID(row["record_id"] as String),
                                  replica: ReplicaID(row["replica"] as String), batchID: row["batch_id"], at: row["at"],
                                  rejection: try decoder.decode(Rejection.self, from: row["rejection"] as Data),
                                  state: try decoder.decode(RecordState.self, from: row["state"] as Data))
            }
        }
    }

    public func purge(_ id: RecordID, audit: AuditDraft) async throws {
        try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, units FROM records WHERE id = ?", arguments: [id.rawValue]) else {
                throw ServerError(.notFound, "no record \(id)")
            }
            try Self.unindexScopes(db, units: ScopeIndex.units(row["units"]), sequence: row["seq"])
            for table in ["records", "history", "quarantine"] {
                let column = table == "records" ? "id" : "record_id"
                try db.execute(sql: "DELETE FROM \(table) WHERE \(column) = ?", arguments: [id.rawValue])
            }
            try db.execute(sql: "DELETE FROM record_units WHERE record_id = ?", arguments: [id.rawValue])
            try db.execute(sql: "DELETE FROM open_deadlines WHERE record_id = ?", arguments: [id.rawValue])
            var chain = try AuditAppender(db, signer: auditSigner, memory: signedHead)
            try chain.append(audit)
            try chain.seal()
        }
    }
}
