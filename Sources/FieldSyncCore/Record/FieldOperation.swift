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

    /// The name of the field the operation changes.
    public var field: String {
        switch self {
        case .set(let field, _), .clear(let field), .add(let field, _), .remove(let field, _), .append(let field, _): field
        }
    }
}

/// Who makes a write, from which replica, at which hybrid-clock stamp.
public struct WriteOrigin: Hashable, Sendable {
    /// The replica whose next dot the write takes: the terminal's own id.
    public var replica: ReplicaID
    /// The officer the write is attributed to.
    public var author: OfficerID
    /// The write's stamp, from the replica's `HybridLogicalClock.tick(now:)`.
    public var stamp: HLCTimestamp

    /// An origin as given: the core does not check that `author` is signed in (the store does).
    public init(replica: ReplicaID, author: OfficerID, stamp: HLCTimestamp) {
        self.replica = replica
        self.author = author
        self.stamp = stamp
    }
}
