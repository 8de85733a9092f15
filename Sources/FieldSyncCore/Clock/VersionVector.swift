/// A record's causal context: for each replica, how many of its writes to the record are integrated.
///
/// Because whole record states travel (never single operations), the context is always contiguous:
/// `vv[r] = n` means writes `(r,1)...(r,n)` are all integrated. Stored as a small array sorted by
/// replica: records have one to three writers, where a linear scan beats hashing.
/// On the wire: a JSON object `{"replica": counter}`.
public struct VersionVector: Hashable, Sendable, CustomStringConvertible {
    /// One replica's counter.
    public struct Entry: Hashable, Sendable {
        /// The replica.
        public var replica: ReplicaID
        /// How many of its writes are integrated: writes `1...counter`. Never 0 in `entries`.
        public var counter: UInt64
    }

    /// The non-zero counters, sorted by replica (byte order).
    public private(set) var entries: [Entry]

    /// The empty context: no write integrated.
    public init() { entries = [] }

    /// The vector of `counters`; zero counters are dropped.
    public init(_ counters: [ReplicaID: UInt64]) {
        entries = counters.filter { $0.value > 0 }.map { Entry(replica: $0.key, counter: $0.value) }
            .sorted { $0.replica < $1.replica }
    }

    /// `replica`'s counter, 0 when it has none. Setting 0 removes the entry.
    public subscript(replica: ReplicaID) -> UInt64 {
        get {
            for entry in entries where entry.replica == replica { return entry.counter }
            return 0
        }
        set {
            if let index = entries.firstIndex(where: { $0.replica == replica }) {
                if newValue == 0 { entries.remove(at: index) } else { entries[index].counter = newValue }
            } else if newValue > 0 {
                let index = entries.firstIndex(where: { replica < $0.replica }) ?? entries.endIndex
                entries.insert(Entry(replica: replica, counter: newValue), at: index)
            }
        }
    }

    /// Whether the write `dot` is integrated (its value kept or deliberately dropped).
    @inline(__always)
    public func contains(_ dot: Dot) -> Bool {
        for entry in entries where entry.replica == dot.replica { return entry.counter >= dot.counter }
        return false
    }

    /// The next dot for a local write by `replica`, and the vector that includes it.
    public mutating func advance(_ replica: ReplicaID) -> Dot {
        let next = self[replica] + 1
        self[replica] = next
        return Dot(replica, next)
    }

    /// Pointwise maximum.
    public func merged(with other: VersionVector) -> VersionVector {
        if other.entries.isEmpty || self == other { return self }
        if entries.isEmpty { return other }
        var result: [Entry] = []
        result.reserveCapacity(entries.count + other.entries.count)
        var i = 0, j = 0
        while i < entries.count || j < other.entries.count {
            if j == other.entries.count || (i < entries.count && entries[i].replica < other.entries[j].replica) {
                result.append(entries[i]); i += 1
            } else if i == entries.count || other.entries[j].replica < entries[i].replica {
                result.append(other.entries[j]); j += 1
            } else {
                result.append(Entry(replica: entries[i].replica, counter: max(entries[i].counter, other.entries[j].counter)))
                i += 1; j += 1
            }
        }
        var merged = VersionVector()
        merged.entries = result
        return merged
    }

    /// True when every write integrated by `other` is integrated here.
    public func dominates(_ other: VersionVector) -> Bool {
        other.entries.allSatisfy { self[$0.replica] >= $0.counter }
    }

    /// True when no write is integrated.
    public var isEmpty: Bool { entries.isEmpty }

    /// `{replica:counter, ...}` in replica order.
    public var description: String {
        "{" + entries.map { "\($0.replica.rawValue):\($0.counter)" }.joined(separator: ", ") + "}"
    }
}

extension VersionVector: Codable {
    /// Decodes `{"replica": counter}`; zero counters are dropped.
    /// - Throws: `DecodingError` for any other shape or a negative counter.
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode([String: UInt64].self)
        self.init(Dictionary(uniqueKeysWithValues: raw.map { (ReplicaID($0.key), $0.value) }))
    }

    /// Encodes `{"replica": counter}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: entries.map { ($0.replica.rawValue, $0.counter) }))
    }
}
