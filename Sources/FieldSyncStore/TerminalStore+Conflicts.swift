import FieldSyncCore
import GRDB

/// Conflicts are values, not errors: concurrent edits stay side by side in the record state. Fields
/// whose policy decides among them (last writer, furthest lifecycle state) are resolved automatically
/// and explained; `manual` fields wait for a person, who resolves them with a write whose context
/// covers every competing value.
extension TerminalStore {
    /// Records waiting for a person.
    public func conflictedRecords() throws -> [StoredRecord] {
        try records(RecordFilter(conflictedOnly: true))
    }

    /// The competing values of `id` (value, author, device = dot's replica, stamp), the policy of each
    /// field and its decision; nil when the record holds no concurrent values.
    public func describeConflict(_ id: RecordID) throws -> ConflictDescription? {
        guard let record = try record(id) else { throw StoreError(.notFound, "no record \(id)") }
        return record.schema.conflicts(in: record.state)
    }

    /// Records whose concurrent edits a rule decided, with only the decided fields and the rule that
    /// decided each, newest first.
    public func autoResolved() throws -> [ConflictDescription] {
        try readingContent("listing automatically resolved edits") { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.recordColumns) FROM record WHERE autoResolved ORDER BY updatedAt DESC, id")
                .compactMap { row in
                    let record = try decodeRecord(row).record
                    guard var description = record.schema.conflicts(in: record.state) else { return nil }
                    description.fields.removeAll { $0.decision == .needsPerson }
                    return description.fields.isEmpty ? nil : description
                }
        }
    }

    /// Resolves `field` of `id` by keeping the competing value written as `dot`.
    /// - Throws: `StoreError.notFound` when the field holds no such value now (someone resolved it first).
    @discardableResult
    public func resolveConflict(_ id: RecordID, field: String, choosing dot: Dot, by author: OfficerID) throws -> StoredRecord {
        try writing("resolving \(field) of \(id)") { db in
            try editRecord(id, by: author, db) { record in
                guard let chosen = record.state.entries(field).first(where: { $0.dot == dot }) else {
                    throw StoreError(.notFound, "'\(field)' of \(id) holds no value written as \(dot)")
                }
                return [.set(field, chosen.value)]
            }
        }
    }

    /// Resolves `field` of `id` with a new value. The write's context is the record's whole context,
    /// so it covers (and drops) every competing value it has seen.
    @discardableResult
    public func resolveConflict(_ id: RecordID, field: String, value: FieldValue, by author: OfficerID) throws -> StoredRecord {
        try edit(id, [.set(field, value)], by: author)
    }
}
