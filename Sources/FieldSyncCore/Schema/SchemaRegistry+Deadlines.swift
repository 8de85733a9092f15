/// One open deadline of one record, as lists show it: which record, which units it concerns, and where
/// the deadline stands.
public struct DueDeadline: Sendable, Hashable, Codable {
    /// The record.
    public let record: RecordID
    /// Its type.
    public let type: RecordType
    /// Its receipt number (the type's unique field), when it has one.
    public let receipt: String?
    /// The units of its scope fields (receiving and jurisdiction unit, beat), sorted.
    public let units: [UnitID]
    /// The deadline and where it stands.
    public let status: DeadlineStatus

    /// A row as given.
    public init(record: RecordID, type: RecordType, receipt: String?, units: [UnitID], status: DeadlineStatus) {
        self.record = record
        self.type = type
        self.receipt = receipt
        self.units = units
        self.status = status
    }
}

extension SchemaRegistry {
    /// The record types that declare deadlines, sorted by name.
    public var typesWithDeadlines: [RecordType] { types.filter { !(schemas[$0]?.deadlines.isEmpty ?? true) } }

    /// The open deadlines of `states` at `now`: every overdue one, and every running one due within
    /// `window` milliseconds (nil: every running one), soonest due first. States of unknown types or
    /// versions are left out (a terminal holds those apart; a server never stores them).
    public func openDeadlines(in states: [RecordState], now: Int64, within window: Int64? = nil) -> [DueDeadline] {
        var rows: [DueDeadline] = []
        for state in states {
            guard case .success(let schema) = schema(for: state), !schema.deadlines.isEmpty else { continue }
            let open = schema.deadlineStatuses(of: state, now: now).filter { status in
                status.outcome == .overdue || (status.outcome == .running && window.map { status.dueAt <= now + $0 } ?? true)
            }
            guard !open.isEmpty else { continue }
            let receipt = schema.uniqueField.flatMap { schema.effectiveValue(of: $0.name, in: state)?.singleValue?.stringValue }
            let units = schema.scopeUnits(of: state).sorted()
            rows += open.map { DueDeadline(record: state.id, type: state.type, receipt: receipt, units: units, status: $0) }
        }
        return rows.sorted { ($0.status.dueAt, $0.record, $0.status.deadline) < ($1.status.dueAt, $1.record, $1.status.deadline) }
    }
}
