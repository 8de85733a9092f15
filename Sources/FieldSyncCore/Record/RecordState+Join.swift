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
        // Both field lists are sorted by name: walk them side by side.
        let mine = fields.elements, theirs = other.fields.elements
        var joined: [RecordFields.Element] = []
        joined.reserveCapacity(max(mine.count, theirs.count))
        var anyChange = false
        var i = 0, j = 0
        while i < mine.count || j < theirs.count {
            if i < mine.count && j < theirs.count && RecordFields.same(mine[i].key, theirs[j].key) {
                let (entries, changed) = Self.join(mine[i].value, context, theirs[j].value, other.context)
                if changed { anyChange = true }
                if !entries.isEmpty { joined.append((key: mine[i].key, value: entries)) }
                i += 1; j += 1
            } else if j == theirs.count || (i < mine.count && RecordFields.precedes(mine[i].key, theirs[j].key)) {
                let kept = mine[i].value.filter { !other.context.contains($0.dot) }
                if kept.count != mine[i].value.count { anyChange = true }
                if !kept.isEmpty { joined.append((key: mine[i].key, value: kept)) }
                i += 1
            } else {
                let kept = theirs[j].value.filter { !context.contains($0.dot) }
                if !kept.isEmpty { anyChange = true; joined.append((key: theirs[j].key, value: kept)) }
                j += 1
            }
        }
        if anyChange { result.fields = RecordFields(sorted: joined) }
        return result
    }

    /// Joins two dot-sorted entry lists by a merge walk.
    /// Returns the joined list and whether it differs from `a`.
    static func join(_ a: [FieldEntry], _ aContext: VersionVector,
                     _ b: [FieldEntry], _ bContext: VersionVector) -> ([FieldEntry], changed: Bool) {
        if a.count == b.count {
            var same = true
            for index in a.indices where a[index].dot != b[index].dot { same = false; break }
            if same { return (a, false) }
        }
        var result: [FieldEntry] = []
        result.reserveCapacity(max(a.count, b.count))
        var changed = false
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].dot < b[j].dot) {
                if !bContext.contains(a[i].dot) { result.append(a[i]) } else { changed = true }
                i += 1
            } else if i == a.count || b[j].dot < a[i].dot {
                if !aContext.contains(b[j].dot) { result.append(b[j]); changed = true }
                j += 1
            } else {
                result.append(a[i])
                i += 1; j += 1
            }
        }
        return (result, changed)
    }
}
