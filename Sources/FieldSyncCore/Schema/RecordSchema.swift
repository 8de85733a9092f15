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
    private let index: [String: Int]

    /// A schema; `supportedVersions` defaults to `version...version`. Traps (precondition) when a field
    /// name repeats or more than one field is a lifecycle.
    public init(type: RecordType, version: Int, supportedVersions: ClosedRange<Int>? = nil, fields: [FieldSchema]) {
        let lifecycles = fields.filter { if case .lifecycle = $0.policy { true } else { false } }
        precondition(lifecycles.count <= 1, "a record type has at most one lifecycle field")
        precondition(Set(fields.map(\.name)).count == fields.count, "field names repeat")
        precondition(fields.filter(\.unique).count <= 1, "a record type has at most one unique (receipt-number) field")
        self.type = type
        self.version = version
        self.supportedVersions = supportedVersions ?? version...version
        self.fields = fields
        self.index = Dictionary(uniqueKeysWithValues: fields.enumerated().map { ($1.name, $0) })
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
