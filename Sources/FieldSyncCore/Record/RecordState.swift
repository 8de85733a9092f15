/// The replicated state of one record: its causal context and, per field, the set of concurrent values.
///
/// Invariants of a well-formed state (checked by `RecordSchema.wellFormednessProblem(of:)`): every entry's
/// dot is covered by `context`; within a field, entries are sorted by dot and no dot repeats; empty fields
/// are absent. With these, two states that have integrated the same writes are equal with `==`.
public struct RecordState: Hashable, Sendable {
    /// The record's type; never changes.
    public var type: RecordType
    /// The record's identity; never changes.
    public var id: RecordID
    /// The schema version the state is written in: a write sets its schema's `version`, a join keeps the higher.
    public var schemaVersion: Int
    /// Every write integrated so far (`vv` on the wire), values kept or dropped.
    public var context: VersionVector
    /// Per field, the concurrent values still held.
    public var fields: RecordFields

    /// A state as given, unchecked: see `RecordSchema.wellFormednessProblem(of:)` for the invariants.
    /// New records come from `RecordSchema.create(id:_:origin:)`.
    public init(type: RecordType, id: RecordID, schemaVersion: Int, context: VersionVector = VersionVector(),
                fields: RecordFields = RecordFields()) {
        self.type = type
        self.id = id
        self.schemaVersion = schemaVersion
        self.context = context
        self.fields = fields
    }

    /// The entries of `field` (sorted by dot in a well-formed state); empty when the field is absent.
    public func entries(_ field: String) -> [FieldEntry] { fields[field] ?? [] }

    /// Every write seen in the state (the dots of all values still held), in dot order.
    public var heldDots: Set<Dot> {
        var dots = Set<Dot>()
        for entries in fields.values { for entry in entries { dots.insert(entry.dot) } }
        return dots
    }

    /// The latest stamp held by any value (zero for an empty state).
    public var latestStamp: HLCTimestamp {
        fields.values.lazy.flatMap { $0 }.map(\.stamp).max() ?? .zero
    }
}

extension RecordState: Codable {
    enum CodingKeys: String, CodingKey {
        case type, id, schemaVersion, context = "vv", fields
    }
}
