import FieldSyncCore

/// One record as the terminal holds it: its replicated state (sensitive values opened) and what the
/// store knows about it locally.
public struct StoredRecord: Sendable, Equatable {
    /// The replicated state with its sensitive values opened, as the terminal pushes it.
    public var state: RecordState
    /// The schema the record is read with.
    public let schema: RecordSchema
    /// Milliseconds since 1970 of the earliest and latest write the record holds (hybrid-clock walls).
    public var createdAt: Int64
    /// The latest write's wall time; the order `records(_:)` sorts by.
    public var updatedAt: Int64
    /// A field holds concurrent values that a person must decide between (`manual` policy).
    public var conflicted: Bool
    /// Concurrent values were decided by a rule (last writer, furthest state); see `autoResolved()`.
    public var autoResolved: Bool
    /// Local writes not yet acknowledged by the server: the record is in the outbox.
    public var pendingPush: Bool

    /// The record's id.
    public var id: RecordID { state.id }
    /// The record's type.
    public var type: RecordType { state.type }

    /// The effective value of `field`, as its merge policy decides it.
    public subscript(field: String) -> EffectiveValue? {
        schema.effectiveValue(of: field, in: state)
    }

    /// The lifecycle state (`status` field), when the type has one.
    public var status: String? {
        guard let (field, _) = schema.lifecycle else { return nil }
        return schema.effectiveValue(of: field, in: state)?.singleValue?.stringValue
    }

    /// Same state, times and flags; the schema is not compared (a store has one per type).
    public static func == (lhs: StoredRecord, rhs: StoredRecord) -> Bool {
        lhs.state == rhs.state && lhs.conflicted == rhs.conflicted && lhs.autoResolved == rhs.autoResolved
            && lhs.pendingPush == rhs.pendingPush && lhs.createdAt == rhs.createdAt && lhs.updatedAt == rhs.updatedAt
    }
}
