import FieldSyncCore
import GRDB

/// Reading records. Readers run on their own snapshot in WAL mode, so lists stay consistent and are
/// never blocked while the sync engine applies a page.
extension TerminalStore {
    /// One record, or nil when the terminal does not hold it.
    public func record(_ id: RecordID) throws -> StoredRecord? {
        try readingContent("reading \(id)") { db in try fetchRecord(id, db)?.record }
    }

    /// The records matching `filter`, newest update first (then by id), at most `filter.limit`.
    /// - Throws: `StoreError` `.locked`, `.wiped`, `.corrupted` (a row that does not open), `.io`.
    public func records(_ filter: RecordFilter = .all) throws -> [StoredRecord] {
        try readingContent("listing records") { db in try fetchRecords(filter, db) }
    }

    /// How many records match, without decoding them.
    public func count(_ filter: RecordFilter = .all) throws -> Int {
        try reading("counting records") { db in
            let (clause, arguments) = filter.sql
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM record \(clause)",
                                    arguments: arguments) ?? 0
        }
    }

    func fetchRecords(_ filter: RecordFilter, _ db: Database) throws -> [StoredRecord] {
        let (clause, arguments) = filter.sql
        let limit = filter.limit.map { " LIMIT \($0)" } ?? ""
        let rows = try Row.fetchAll(db, sql: "SELECT \(Self.recordColumns) FROM record \(clause) ORDER BY updatedAt DESC, id\(limit)",
                                    arguments: arguments)
        return try rows.map { try decodeRecord($0).record }
    }

    /// The records matching `filter`, now and after every change that affects them (local writes,
    /// pulled pages, acknowledgements). `for try await records in store.observeRecords(filter) { ... }`
    public func observeRecords(_ filter: RecordFilter = .all) -> AsyncValueObservation<[StoredRecord]> {
        ValueObservation.tracking { [self] db in try fetchRecords(filter, db) }
            .removeDuplicates()
            .values(in: pool)
    }

    /// One record as it changes; nil while the terminal does not hold it.
    public func observeRecord(_ id: RecordID) -> AsyncValueObservation<StoredRecord?> {
        ValueObservation.tracking { [self] db in try fetchRecord(id, db)?.record }
            .removeDuplicates()
            .values(in: pool)
    }
}
