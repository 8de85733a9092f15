extension RecordState {
    /// The join: the only way two states of one record are merged, on terminals and servers alike.
    ///
    /// The context becomes the pointwise maximum. A value survives if the other side holds the same dot,
    /// or has not seen it; a value the other side has seen and dropped stays dropped. Commutative,
    /// associative and idempotent on well-formed states (proved by the property tests).
    public func joined(with other: RecordState) -> RecordState {
        precondition(type == other.type && id == other.id, "join of different records")
        var result = self
        result.context = context.merged(with: other.context)
        result.schemaVersion = max(schemaVersion, other.schemaVersion)
        for (name, mine) in fields {
            let joined = Self.join(mine, context, other.fields[name] ?? [], other.context)
            if joined.isEmpty { result.fields[name] = nil } else if joined != mine { result.fields[name] = joined }
        }
        for (name, theirs) in other.fields where fields[name] == nil {
            let kept = theirs.filter { !context.contains($0.dot) }
            if !kept.isEmpty { result.fields[name] = kept }
        }
        return result
    }

    /// Joins two dot-sorted entry lists by a merge walk.
    static func join(_ a: [FieldEntry], _ aContext: VersionVector,
                     _ b: [FieldEntry], _ bContext: VersionVector) -> [FieldEntry] {
        if a.count == b.count {
            var same = true
            for index in a.indices where a[index].dot != b[index].dot { same = false; break }
            if same { return a }
        }
        var result: [FieldEntry] = []
        result.reserveCapacity(max(a.count, b.count))
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].dot < b[j].dot) {
                if !bContext.contains(a[i].dot) { result.append(a[i]) }
                i += 1
            } else if i == a.count || b[j].dot < a[i].dot {
                if !aContext.contains(b[j].dot) { result.append(b[j]) }
                j += 1
            } else {
                result.append(a[i])
                i += 1; j += 1
            }
        }
        return result
    }
}
