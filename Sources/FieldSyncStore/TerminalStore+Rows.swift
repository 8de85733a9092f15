import FieldSyncCore
import Foundation
import GRDB

/// Reading and writing `record` rows: the only place that knows how a state maps to its row.
extension TerminalStore {
    /// A record row with its state opened, and the counters that make it an outbox entry.
    struct LoadedRecord {
        var record: StoredRecord
        var localCounter: UInt64
        var ackedCounter: UInt64
    }

    static let recordColumns = "state, createdAt, updatedAt, conflicted, autoResolved, localCounter, ackedCounter"
    static let selectOne = "SELECT \(recordColumns) FROM record WHERE id = ?"
    static let upsert = """
        INSERT INTO record (id, type, units, status, createdAt, updatedAt, conflicted, autoResolved,
                            localCounter, ackedCounter, state)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET
            units = excluded.units, status = excluded.status, createdAt = excluded.createdAt,
            updatedAt = excluded.updatedAt, conflicted = excluded.conflicted,
            autoResolved = excluded.autoResolved, localCounter = excluded.localCounter,
            ackedCounter = excluded.ackedCounter, state = excluded.state
        """

    func schema(for type: RecordType) throws -> RecordSchema {
        guard let schema = registry[type] else {
            throw StoreError(.unknownRecordType, "this store has no schema for record type '\(type)'")
        }
        return schema
    }

    func decodeRecord(_ row: Row) throws -> LoadedRecord {
        let data: Data = row["state"]
        let sealed = try StateJSON.decode(data)
        let schema = try schema(for: sealed.type)
        let local = UInt64(row["localCounter"] as Int64)
        let acked = UInt64(row["ackedCounter"] as Int64)
        let record = StoredRecord(
            state: try cipher.openingSensitive(sealed, schema: schema), schema: schema,
            createdAt: row["createdAt"], updatedAt: row["updatedAt"], conflicted: row["conflicted"],
            autoResolved: row["autoResolved"], pendingPush: local > acked)
        return LoadedRecord(record: record, localCounter: local, ackedCounter: acked)
    }

    func fetchRecord(_ id: RecordID, _ db: Database) throws -> LoadedRecord? {
        // Cached statements: pulled pages and local writes run these thousands of times.
        try Row.fetchOne(try db.cachedStatement(sql: Self.selectOne), arguments: [id.rawValue]).map(decodeRecord)
    }

    func fetchExisting(_ id: RecordID, _ db: Database) throws -> LoadedRecord {
        guard let loaded = try fetchRecord(id, db) else { throw StoreError(.notFound, "no record \(id)") }
        return loaded
    }

    /// Inserts or replaces the row of `state` (values in the clear; sensitive ones are sealed here).
    ///
    /// - Parameter acknowledged: how many of our own writes to the record the server has acknowledged.
    ///   The local counter is always `state.context[replica]`; the row is in the outbox while it is larger.
    @discardableResult
    func storeRecord(_ state: RecordState, schema: RecordSchema, replica: ReplicaID, acknowledged: UInt64,
                     _ db: Database) throws -> StoredRecord {
        let sealed = try cipher.sealingSensitive(state, schema: schema)
        let data = StateJSON.encode(sealed)
        let concurrency = schema.conflicts(in: state)
        let conflicted = concurrency?.needsPerson ?? false
        let autoResolved = concurrency?.fields.contains { $0.decision != .needsPerson } ?? false
        let units = " " + schema.scopeUnits(of: state).map(\.rawValue).sorted().joined(separator: " ") + " "
        let status = schema.lifecycle.flatMap { schema.effectiveValue(of: $0.field, in: state)?.singleValue?.stringValue }
        var earliest = Int64.max
        for entries in state.fields.values { for entry in entries { earliest = min(earliest, entry.stamp.wall) } }
        let createdAt = earliest == .max ? 0 : earliest
        let updatedAt = state.latestStamp.wall
        let local = state.context[replica]
        let acked = min(acknowledged, local)
        try db.cachedStatement(sql: Self.upsert).execute(arguments: [
            state.id.rawValue, state.type.rawValue, units, status, createdAt, updatedAt, conflicted, autoResolved,
            Int64(local), Int64(acked), data,
        ])
        return StoredRecord(state: state, schema: schema, createdAt: createdAt, updatedAt: updatedAt,
                            conflicted: conflicted, autoResolved: autoResolved, pendingPush: local > acked)
    }
}
