/// A record type's declaration: its fields with kinds and merge policies, and its version.
/// Adding a record type is writing one of these; merge, validation and conflict code is shared.
public struct RecordSchema: Sendable {
    /// The record type this schema declares.
    public let type: RecordType
    /// The version this code writes.
    public let version: Int
    /// Versions this code can read and validate.
    public let supportedVersions: ClosedRange<Int>
    /// The fields, in declaration order: the order in which rules report the first failing field.
    public let fields: [FieldSchema]
    /// The reporting deadlines of the type (none for most types).
    public let deadlines: [Deadline]
    private let index: [String: Int]

    /// A schema; `supportedVersions` defaults to `version...version`. Traps (precondition) when a field
    /// name repeats, more than one field is a lifecycle, or a deadline names a field or state the type
    /// does not have (or of the wrong kind): schemas are declared in code, so that is a programming error.
    public init(type: RecordType, version: Int, supportedVersions: ClosedRange<Int>? = nil, fields: [FieldSchema],
                deadlines: [Deadline] = []) {
        let lifecycles = fields.filter { if case .lifecycle = $0.policy { true } else { false } }
        precondition(lifecycles.count <= 1, "a record type has at most one lifecycle field")
        precondition(Set(fields.map(\.name)).count == fields.count, "field names repeat")
        precondition(fields.filter(\.unique).count <= 1, "a record type has at most one unique (receipt-number) field")
        precondition(fields.allSatisfy { $0.since <= version }, "a field is newer than the schema")
        precondition(Set(deadlines.map(\.name)).count == deadlines.count, "deadline names repeat")
        self.type = type
        self.version = version
        self.supportedVersions = supportedVersions ?? version...version
        self.fields = fields
        self.deadlines = deadlines
        self.index = Dictionary(uniqueKeysWithValues: fields.enumerated().map { ($1.name, $0) })
        for deadline in deadlines { checkDeclaration(of: deadline) }
    }

    private func checkDeclaration(of deadline: Deadline) {
        func require(_ name: String, _ fits: (FieldSchema) -> Bool) {
            precondition(field(name).map(fits) ?? false, "deadline \(deadline.name): field '\(name)' is missing or of the wrong kind")
        }
        switch deadline.start {
        case .time(let name, let condition):
            require(name) { $0.kind == .timestamp }
            if case .equals(let name, _)? = condition { require(name) { _ in true } }
        case .latestEntry(let name):
            require(name) { if case .appendLog = $0.policy { true } else { false } }
        }
        for event in deadline.events {
            switch event {
            case .timeSet(let name): require(name) { $0.kind == .timestamp }
            case .lifecycleReached(let state):
                precondition(lifecycle?.machine.rank(of: state) != nil, "deadline \(deadline.name): no lifecycle state '\(state)'")
            }
        }
        for state in deadline.waivedBy {
            precondition(lifecycle?.machine.rank(of: state) != nil, "deadline \(deadline.name): no lifecycle state '\(state)' to waive it")
        }
    }

    /// The field named `name`, or nil when the type has none. Constant time.
    public func field(_ name: String) -> FieldSchema? { index[name].map { fields[$0] } }

    /// The lifecycle field and its state machine, if the type has one.
    public var lifecycle: (field: String, machine: Lifecycle)? {
        for field in fields { if case .lifecycle(let machine) = field.policy { return (field.name, machine) } }
        return nil
    }

    /// The names of the `sensitive` fields (sealed at rest on terminals), in declaration order.
    public var sensitiveFields: [String] { fields.filter(\.sensitive).map(\.name) }

    /// The type's receipt-number field (`FieldSchema.unique`), if it has one.
    public var uniqueField: FieldSchema? { fields.first(where: \.unique) }

    /// Every unit named by a scope field of `state`, including concurrent values.
    public func scopeUnits(of state: RecordState) -> Set<UnitID> {
        var units = Set<UnitID>()
        for field in fields where field.scope {
            for entry in state.entries(field.name) {
                if let code = entry.value.stringValue { units.insert(UnitID(code)) }
            }
        }
        return units
    }

    /// An empty state of this type, before its creating write.
    public func emptyState(id: RecordID) -> RecordState {
        RecordState(type: type, id: id, schemaVersion: version)
    }

    /// Whether the record is in a locking lifecycle state.
    public func isLocked(_ state: RecordState) -> Bool {
        guard let (field, machine) = lifecycle, case .value(.string(let current))? = effectiveValue(of: field, in: state)
        else { return false }
        return machine.lockingStates.contains(current)
    }
}
