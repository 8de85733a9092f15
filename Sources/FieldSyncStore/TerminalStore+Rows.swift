import FieldSyncCore
import Foundation
import GRDB

/// Reading and writing `record` rows: the only place that knows how a state maps to its row.
/// Each direction has a pure half (decoding, sealing, deriving the index columns), which pulled pages
/// run in parallel, and a database half.
extension TerminalStore {
    /// A record row with its state opened, and the counters that make it an outbox entry.
    struct LoadedRecord: Sendable {
        var record: StoredRecord
        var localCounter: UInt64
        var ackedCounter: UInt64
    }

    /// A record row as read, before its state is decoded and opened.
    struct RawRow: Sendable {
        var id: String
        /// The state as stored: sealed whole (`FieldCipher.sealBlob`, context `record/<id>`).
        var state: Data
        var createdAt: Int64
        var updatedAt: Int64
        var conflicted: Bool
        var autoResolved: Bool
        var localCounter: UInt64
        var ackedCounter: UInt64

        init(_ row: Row) {
            id = row["id"]
            state = row["state"]
            createdAt = row["createdAt"]
            updatedAt = row["updatedAt"]
            conflicted = row["conflicted"]
            autoResolved = row["autoResolved"]
            localCounter = UInt64(row["localCounter"] as Int64)
            ackedCounter = UInt64(row["ackedCounter"] as Int64)
        }
    }

    /// The values of a row about to be written, and the record they describe.
    struct PreparedRow: Sendable {
        var record: StoredRecord
        /// The upsert's arguments, in `upsert`'s order: built with the row, off the writer's thread.
        var arguments: StatementArguments
    }

    static let recordColumns = "id, state, createdAt, updatedAt, conflicted, autoResolved, localCounter, ackedCounter"
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
        try open(RawRow(row))
    }

    static func recordContext(_ id: String) -> String { "record/" + id }

    /// A row's state opened and decoded, with its schema (pure: safe to run off the writer's thread).
    /// Rows written before one seal per state also have their sensitive values opened one by one.
    func openState(_ raw: RawRow) throws -> (state: RecordState, schema: RecordSchema) {
        let cipher = try self.cipher
        let (plain, version) = try cipher.openVersionedBlob(raw.state, context: Self.recordContext(raw.id))
        let state = try StateJSON.decode(plain)
        let schema = try schema(for: state.type)
        guard version == FieldCipher.blobVersion else { return (state, schema) }
        return (try cipher.openingSensitive(state, schema: schema), schema)
    }

    /// Decodes and opens a row's state (pure: safe to run off the writer's thread).
    func open(_ raw: RawRow) throws -> LoadedRecord {
        let (state, schema) = try openState(raw)
        let record = StoredRecord(
            state: state, schema: schema,
            createdAt: raw.createdAt, updatedAt: raw.updatedAt, conflicted: raw.conflicted,
            autoResolved: raw.autoResolved, pendingPush: raw.localCounter > raw.ackedCounter)
        return LoadedRecord(record: record, localCounter: raw.localCounter, ackedCounter: raw.ackedCounter)
    }

    /// The stored rows of `ids`, by id (absent: not stored), read a few hundred at a time: a pulled page
    /// reads thousands, and one statement per id was a fifth of the writer's time in an initial sync.
    func fetchRawRows(_ ids: [RecordID], _ db: Database) throws -> [String: RawRow] {
        var rows: [String: RawRow] = [:]
        let chunk = 500
        for start in stride(from: 0, to: ids.count, by: chunk) {
            let slice = ids[start..<min(start + chunk, ids.count)]
            let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
            let sql = "SELECT \(Self.recordColumns) FROM record WHERE id IN (\(marks))"
            // Full chunks share one cached statement; a page's remainder is prepared once, not kept.
            let statement = slice.count == chunk ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
            for row in try Row.fetchAll(statement, arguments: StatementArguments(slice.map(\.rawValue))) {
                let raw = RawRow(row)
                rows[raw.id] = raw
            }
        }
        return rows
    }

    func fetchRawRow(_ id: RecordID, _ db: Database) throws -> RawRow? {
        // Cached statements: pulled pages and local writes run these thousands of times.
        try Row.fetchOne(try db.cachedStatement(sql: Self.selectOne), arguments: [id.rawValue]).map(RawRow.init)
    }

    func fetchRecord(_ id: RecordID, _ db: Database) throws -> LoadedRecord? {
        try fetchRawRow(id, db).map(open)
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
        let row = try prepareRow(state, schema: schema, replica: replica, acknowledged: acknowledged)
        try write(row, db)
        return row.record
    }

    func write(_ row: PreparedRow, _ db: Database) throws {
        // Built by `prepareRow` for this statement: binding without the count check is safe.
        let statement = try db.cachedStatement(sql: Self.upsert)
        statement.setUncheckedArguments(row.arguments)
        try statement.execute()
    }

    /// Seals the state, once and whole, and derives the index columns (pure: safe to run off the
    /// writer's thread).
    func prepareRow(_ state: RecordState, schema: RecordSchema, replica: ReplicaID, acknowledged: UInt64) throws -> PreparedRow {
        let data = try cipher.sealBlob(StateJSON.encode(state), context: Self.recordContext(state.id.rawValue),
                                       version: FieldCipher.stateBlobVersion)
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
        let record = StoredRecord(state: state, schema: schema, createdAt: createdAt, updatedAt: updatedAt,
                                  conflicted: conflicted, autoResolved: autoResolved, pendingPush: local > acked)
        return PreparedRow(record: record, arguments: [
            state.id.rawValue, state.type.rawValue, units, status, createdAt, updatedAt, conflicted,
            autoResolved, Int64(local), Int64(acked), data,
        ])
    }
}
