import FieldSyncCore
import GRDB

/// Local writes. Each one: names its officer, takes the next dot of this replica and a fresh hybrid-clock
/// stamp, is validated by the core (a `Rejection` is thrown unchanged and nothing is stored), and commits
/// in one transaction with its outbox entry. None of them touches the network.
extension TerminalStore {
    // MARK: - Creating

    /// Stores a new patrol sign-in, written by `author`.
    /// - Returns: the record as stored.
    /// - Throws: the core's `Rejection` when the write breaks a rule (nothing is stored); `StoreError`
    ///   `.locked`, `.wrongOfficer` (`author` is not the officer signed in), `.notEnrolled`, `.wiped`,
    ///   `.diskFull`, `.io`.
    @discardableResult
    public func createPatrolSignIn(_ signIn: NewPatrolSignIn, by author: OfficerID) throws -> StoredRecord {
        try create(.patrolSignIn, signIn.operations, by: author)
    }

    /// Stores a new household visit (in `draft`), written by `author`.
    /// - Returns: the record as stored.
    /// - Throws: the core's `Rejection` when the write breaks a rule (nothing is stored); `StoreError`
    ///   `.locked`, `.wrongOfficer` (`author` is not the officer signed in), `.notEnrolled`, `.wiped`,
    ///   `.diskFull`, `.io`.
    @discardableResult
    public func createHouseholdVisit(_ visit: NewHouseholdVisit, by author: OfficerID) throws -> StoredRecord {
        try create(.householdVisit, visit.operations, by: author)
    }

    /// Stores a new incident report with the next receipt number of the leased block.
    /// - Throws: `StoreError.leaseExhausted` or `.noLease` when no number is left (nothing is stored).
    @discardableResult
    public func createIncidentReport(_ report: NewIncidentReport, by author: OfficerID) throws -> StoredRecord {
        try writing("creating an incident report") { db in
            let receipt = try issueReceiptNumber(db)
            return try createRecord(.incidentReport, report.operations(receiptNumber: receipt), by: author, db)
        }
    }

    /// Creates a record of any registered type from raw operations (new record types need no store code).
    /// A receipt-number field (`FieldSchema.unique`) the operations leave unset gets the next number of
    /// the leased block, issued in the same transaction (as `createIncidentReport` does).
    /// - Throws: `StoreError.leaseExhausted` or `.noLease` when such a number is needed and none is left.
    @discardableResult
    public func create(_ type: RecordType, _ operations: [FieldOperation], by author: OfficerID) throws -> StoredRecord {
        try writing("creating a \(type)") { db in try createRecord(type, operations, by: author, db) }
    }

    private func createRecord(_ type: RecordType, _ operations: [FieldOperation], by author: OfficerID,
                              _ db: Database) throws -> StoredRecord {
        let schema = try schema(for: type)
        var operations = operations
        if let unique = schema.uniqueField, !operations.contains(where: { $0.field == unique.name }) {
            operations.insert(.set(unique.name, .string(try issueReceiptNumber(db))), at: 0)
        }
        let id = RecordID(makeID())
        let taken = try Bool.fetchOne(try db.cachedStatement(sql: "SELECT 1 FROM record WHERE id = ?"), arguments: [id.rawValue]) ?? false
        precondition(!taken, "makeID returned an id already in use: \(id)")
        let origin = try writeOrigin(author, db)
        let state = try schema.create(id: id, operations, origin: origin)
        return try storeRecord(state, schema: schema, replica: origin.replica, acknowledged: 0, db)
    }

    // MARK: - Changing

    /// Applies `operations` to record `id` as one write: edit fields (`.set`, `.clear`), add or remove
    /// set elements, append to logs, move the lifecycle. The typed helpers below are shorthands.
    @discardableResult
    public func edit(_ id: RecordID, _ operations: [FieldOperation], by author: OfficerID) throws -> StoredRecord {
        try writing("writing to \(id)") { db in try editRecord(id, by: author, db) { _ in operations } }
    }

    /// Voids the record with `reason`: records are never deleted.
    @discardableResult
    public func void(_ id: RecordID, reason: String, by author: OfficerID) throws -> StoredRecord {
        try edit(id, [.set("voidReason", .string(reason)), .set("status", "voided")], by: author)
    }

    /// Adds a note (household visit) or an addendum (incident report); also allowed on locked records.
    /// `field` picks another append log, e.g. `supervisorNotes`.
    @discardableResult
    public func addNote(to id: RecordID, _ text: String, field: String? = nil, by author: OfficerID) throws -> StoredRecord {
        try writing("adding a note to \(id)") { db in
            try editRecord(id, by: author, db) { record in
                let log = field ?? (record.type == .incidentReport ? "addenda" : "notes")
                return [.append(log, .string(text))]
            }
        }
    }

    /// Adds `element` to the add-wins set `field` (e.g. `evidence`, `followUps`); for an element already
    /// held, the new write replaces the copies this terminal has seen.
    /// - Returns: the record as stored.
    /// - Throws: the core's `Rejection` when the write breaks a rule (nothing is stored); `StoreError`
    ///   `.notFound` (no record `id`), `.locked`, `.wrongOfficer` (`author` is not the officer signed
    ///   in), `.notEnrolled`, `.wiped`, `.diskFull`, `.io`.
    @discardableResult
    public func addElement(_ element: FieldValue, to field: String, of id: RecordID, by author: OfficerID) throws -> StoredRecord {
        try edit(id, [.add(field, element)], by: author)
    }

    /// Removes every copy of `element` this terminal holds from the add-wins set `field`; a concurrent
    /// add elsewhere survives.
    /// - Returns: the record as stored.
    /// - Throws: the core's `Rejection` when the write breaks a rule (nothing is stored); `StoreError`
    ///   `.notFound` (no record `id`), `.locked`, `.wrongOfficer` (`author` is not the officer signed
    ///   in), `.notEnrolled`, `.wiped`, `.diskFull`, `.io`.
    @discardableResult
    public func removeElement(_ element: FieldValue, from field: String, of id: RecordID, by author: OfficerID) throws -> StoredRecord {
        try edit(id, [.remove(field, element)], by: author)
    }

    /// Moves a household visit through its lifecycle; `with` carries what the new state requires
    /// (e.g. `.set("reviewer", ...)` for `reviewed`).
    @discardableResult
    public func move(_ id: RecordID, to status: HouseholdVisitStatus, with operations: [FieldOperation] = [],
                     by author: OfficerID) throws -> StoredRecord {
        try transition(id, to: status.rawValue, of: .householdVisit, with: operations, by: author)
    }

    /// Moves an incident report through its lifecycle; `with` carries what the new state requires (e.g.
    /// `.set("voidReason", ...)` for `voided`). For `transferred`, use `transfer(_:to:reason:by:)`.
    /// - Throws: `Rejection` `invalidValue` when `id` is not an incident report, `illegalTransition` when
    ///   the step is not allowed; otherwise as `edit(_:_:by:)`.
    @discardableResult
    public func move(_ id: RecordID, to status: IncidentReportStatus, with operations: [FieldOperation] = [],
                     by author: OfficerID) throws -> StoredRecord {
        try transition(id, to: status.rawValue, of: .incidentReport, with: operations, by: author)
    }

    /// Transfers an incident report to the unit with jurisdiction: logs the transfer, moves the
    /// jurisdiction (which widens who may see the case) and the status, in one write.
    @discardableResult
    public func transfer(_ id: RecordID, to unit: UnitID, reason: String? = nil, by author: OfficerID) throws -> StoredRecord {
        try writing("transferring \(id)") { db in
            try editRecord(id, by: author, db) { record in
                guard record.type == .incidentReport else {
                    throw Rejection(.invalidValue, message: "only incident reports are transferred")
                }
                let from = record["jurisdictionUnit"]?.singleValue ?? .string("")
                var entry: [String: FieldValue] = ["from": from, "to": .string(unit.rawValue)]
                if let reason { entry["reason"] = .string(reason) }
                return [.append("transfers", .object(entry)), .set("jurisdictionUnit", .string(unit.rawValue)),
                        .set("status", .string(IncidentReportStatus.transferred.rawValue))]
            }
        }
    }

    private func transition(_ id: RecordID, to status: String, of type: RecordType, with operations: [FieldOperation],
                            by author: OfficerID) throws -> StoredRecord {
        try writing("moving \(id) to \(status)") { db in
            try editRecord(id, by: author, db) { record in
                guard record.type == type else {
                    throw Rejection(.invalidValue, fields: ["status"], message: "\(id) is a \(record.type), not a \(type)")
                }
                return operations + [.set("status", .string(status))]
            }
        }
    }

    /// The one path of every write to an existing record, inside the caller's transaction.
    func editRecord(_ id: RecordID, by author: OfficerID, _ db: Database,
                    _ operations: (StoredRecord) throws -> [FieldOperation]) throws -> StoredRecord {
        let loaded = try fetchExisting(id, db)
        let origin = try writeOrigin(author, db)
        let next = try loaded.record.schema.apply(try operations(loaded.record), to: loaded.record.state, origin: origin)
        return try storeRecord(next, schema: loaded.record.schema, replica: origin.replica,
                               acknowledged: loaded.ackedCounter, db)
    }

    /// This replica, the officer and a fresh stamp, ticked in the write's own transaction so that a
    /// rolled-back write leaves the persisted clock as it was.
    /// - Throws: `.locked`, or `.wrongOfficer` when `author` is not the officer signed in: a shared
    ///   terminal's writes are each attributable to the officer who unlocked it.
    func writeOrigin(_ author: OfficerID, _ db: Database) throws -> WriteOrigin {
        _ = try cipher
        guard let signedIn = signedInOfficer, signedIn == author else {
            throw StoreError(.wrongOfficer, "officer \(author) is not signed in on this terminal"
                + (signedInOfficer.map { " (\($0) is)" } ?? "") + ": sign in as \(author) to write in their name")
        }
        guard let replica = cachedIdentity.withLock({ $0?.replica }) else {
            throw StoreError(.notEnrolled, "the terminal is not enrolled: it has no replica id to write with")
        }
        return WriteOrigin(replica: replica, author: author, stamp: try tickClock(db))
    }
}
