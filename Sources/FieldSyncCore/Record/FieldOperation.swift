/// One change a local write makes to one field. A write is a list of operations that share one dot.
public enum FieldOperation: Hashable, Sendable {
    /// Replace every value the field holds (single-valued policies). Also how a conflict is resolved:
    /// the new value's context covers all the competing values.
    case set(String, FieldValue)
    /// Drop every value the field holds (optional fields only).
    case clear(String)
    /// Add an element to an add-wins set.
    case add(String, FieldValue)
    /// Remove an element from an add-wins set (every copy the writer has seen).
    case remove(String, FieldValue)
    /// Append an entry to an append log.
    case append(String, FieldValue)

    public var field: String {
        switch self {
        case .set(let field, _), .clear(let field), .add(let field, _), .remove(let field, _), .append(let field, _): field
        }
    }
}

/// Who makes a write, from which replica, at which hybrid-clock stamp.
public struct WriteOrigin: Hashable, Sendable {
    public var replica: ReplicaID
    public var author: OfficerID
    public var stamp: HLCTimestamp

    public init(replica: ReplicaID, author: OfficerID, stamp: HLCTimestamp) {
        self.replica = replica
        self.author = author
        self.stamp = stamp
    }
}
