/// One write's identity: the `counter`-th write that `replica` made to one record.
///
/// Counters are per record, so a record's version vector holds one entry per replica that ever wrote it.
/// On the wire a dot is the array `["replica", counter]`.
public struct Dot: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The replica that made the write.
    public var replica: ReplicaID
    /// The write's number among `replica`'s writes to the record: 1 for its first.
    public var counter: UInt64

    /// A dot as given (a valid one has `counter >= 1`).
    public init(_ replica: ReplicaID, _ counter: UInt64) {
        self.replica = replica
        self.counter = counter
    }

    /// `replica:counter`, e.g. `T1:3`.
    public var description: String { "\(replica.rawValue):\(counter)" }

    /// Replica id (byte order), then counter: the order entries are stored in, the same on every peer.
    public static func < (lhs: Dot, rhs: Dot) -> Bool {
        if lhs.replica != rhs.replica { return lhs.replica < rhs.replica }
        return lhs.counter < rhs.counter
    }
}

extension Dot: Codable {
    /// Decodes `["replica", counter]`.
    /// - Throws: `DecodingError` for any other shape or a negative counter.
    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        replica = try container.decode(ReplicaID.self)
        counter = try container.decode(UInt64.self)
        guard container.isAtEnd else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a dot has two elements")
        }
    }

    /// Encodes `["replica", counter]`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(replica)
        try container.encode(counter)
    }
}
