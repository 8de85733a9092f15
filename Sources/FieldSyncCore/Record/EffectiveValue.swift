/// What a field reads as, once its policy has decided among the values it holds.
public enum EffectiveValue: Hashable, Sendable {
    /// One value: the only one, or the one the policy chose.
    case value(FieldValue)
    /// Concurrent values that the policy (`manual`) leaves to a person, in write order.
    case undecided([FieldEntry])
    /// The elements of an add-wins set, distinct and sorted by their first write.
    case set([FieldValue])
    /// The entries of an append log, ordered by stamp then dot.
    case log([FieldEntry])

    /// The value of `.value`, nil for the other cases.
    public var singleValue: FieldValue? { if case .value(let value) = self { value } else { nil } }
}

extension RecordSchema {
    /// The effective value of `field` in `state`, or nil when the field holds nothing.
    public func effectiveValue(of field: String, in state: RecordState) -> EffectiveValue? {
        let entries = state.entries(field)
        guard !entries.isEmpty, let schema = self.field(field) else { return nil }
        switch schema.policy {
        case .addWinsSet:
            var seen = Set<FieldValue>()
            return .set(entries.sorted(by: FieldEntry.precedesInWriteOrder).map(\.value).filter { seen.insert($0).inserted })
        case .appendLog:
            return .log(entries.sorted(by: FieldEntry.precedesInWriteOrder))
        case .manual:
            let distinct = Set(entries.map(\.value))
            return distinct.count == 1 ? .value(entries[0].value) : .undecided(entries.sorted(by: FieldEntry.precedesInWriteOrder))
        case .immutable, .lastWriterWins, .lifecycle:
            return .value(winner(among: entries, policy: schema.policy).value)
        }
    }

    /// The value a single-valued policy picks: the furthest lifecycle state, else the last writer.
    func winner(among entries: [FieldEntry], policy: MergePolicy) -> FieldEntry {
        precondition(!entries.isEmpty)
        if case .lifecycle(let machine) = policy {
            return entries.max { lhs, rhs in
                let left = lhs.value.stringValue.flatMap(machine.rank(of:)) ?? -1
                let right = rhs.value.stringValue.flatMap(machine.rank(of:)) ?? -1
                return left != right ? left < right : FieldEntry.precedesInWriteOrder(lhs, rhs)
            }!
        }
        return entries.max(by: FieldEntry.precedesInWriteOrder)!
    }

    /// All effective values of `state`, by field name.
    public func effectiveValues(of state: RecordState) -> [String: EffectiveValue] {
        var values: [String: EffectiveValue] = [:]
        for name in state.fields.keys { values[name] = effectiveValue(of: name, in: state) }
        return values
    }
}
