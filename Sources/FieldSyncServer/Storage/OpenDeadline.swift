import FieldSyncCore

/// One deadline of one record that is not met yet, as both backends index it (`open_deadlines`): the
/// server's way to find a unit's overdue cases and count them for metrics without reading every case.
/// The rows of a record are a pure function of its stored state (`rows(of:registry:)`), written in the
/// transaction that stores the state; whether one is overdue is decided at read time against the clock.
/// Lists are recomputed from the records themselves (`SyncService.overdueCases`): the index only finds them.
public struct OpenDeadline: Hashable, Sendable {
    public var record: RecordID
    /// The deadline's name (`Deadline.name`).
    public var deadline: String
    /// When it is (or was) due, ms since 1970.
    public var dueAt: Int64
    /// The units of the record's scope fields when it was stored (`RecordSchema.scopeUnits(of:)`), sorted.
    public var units: [UnitID]

    public init(record: RecordID, deadline: String, dueAt: Int64, units: [UnitID]) {
        self.record = record
        self.deadline = deadline
        self.dueAt = dueAt
        self.units = units
    }

    /// The `units` column: space-separated.
    var unitsColumn: String { units.map(\.rawValue).joined(separator: " ") }

    /// The open deadlines of `state`: nil when its type declares none (nothing to index), else the
    /// started ones not met (running or overdue: which, depends on the clock, not on the state).
    static func rows(of state: RecordState, registry: SchemaRegistry) -> [OpenDeadline]? {
        guard case .success(let schema) = registry.schema(for: state), !schema.deadlines.isEmpty else { return nil }
        let open = schema.deadlineStatuses(of: state, now: .min).filter(\.isOpen)
        guard !open.isEmpty else { return [] }
        let units = schema.scopeUnits(of: state).sorted()
        return open.map { OpenDeadline(record: state.id, deadline: $0.deadline, dueAt: $0.dueAt, units: units) }
    }

    /// Whether the record concerns `unit`: one of its units is `unit` or lies under it.
    func concerns(_ unit: UnitID) -> Bool { units.contains { $0.isWithin(unit) } }
}

/// A count of overdue deadlines of one name among the cases of one unit set (`SyncStorage.overdueCounts`).
public struct OverdueCount: Hashable, Sendable {
    public var units: [UnitID]
    public var deadline: String
    public var count: Int

    public init(units: [UnitID], deadline: String, count: Int) {
        self.units = units
        self.deadline = deadline
        self.count = count
    }
}
