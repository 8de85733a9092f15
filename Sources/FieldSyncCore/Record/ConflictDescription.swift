/// For one record: which fields hold concurrent values, who wrote each, which policy applies and
/// what it decided. This is what `fieldsync conflicts show` prints.
public struct ConflictDescription: Hashable, Sendable, Codable {
    /// One field holding concurrent values.
    public struct Field: Hashable, Sendable, Codable {
        /// The field's name.
        public var name: String
        /// The field's merge policy, by `MergePolicy.name`.
        public var policy: String
        /// The competing values, in write order (stamp, then dot).
        public var candidates: [FieldEntry]
        /// What the policy made of the candidates.
        public var decision: Decision
    }

    /// A policy's verdict on one field's concurrent values.
    public enum Decision: Hashable, Sendable, Codable {
        /// The policy chose `winner`; `rule` says how, in words.
        case decided(winner: Dot, rule: String)
        /// A person must choose: write a value whose context covers every candidate.
        case needsPerson
    }

    /// The record's type.
    public var type: RecordType
    /// The record's id.
    public var id: RecordID
    /// The fields holding concurrent values, in schema order; never empty.
    public var fields: [Field]

    /// True when at least one field waits for a person.
    public var needsPerson: Bool { fields.contains { $0.decision == .needsPerson } }
}

extension RecordSchema {
    /// The concurrent fields of `state`, or nil when no field holds concurrent values.
    /// Sets and logs hold several values by design and are never concurrent in this sense.
    public func conflicts(in state: RecordState) -> ConflictDescription? {
        var described: [ConflictDescription.Field] = []
        for field in fields where field.policy.isSingleValued {
            let entries = state.entries(field.name)
            guard entries.count > 1 else { continue }
            let ordered = entries.sorted(by: FieldEntry.precedesInWriteOrder)
            let decision: ConflictDescription.Decision
            switch field.policy {
            case .manual:
                decision = Set(entries.map(\.value)).count == 1
                    ? .decided(winner: ordered.last!.dot, rule: "all concurrent values are equal")
                    : .needsPerson
            case .lifecycle:
                decision = .decided(winner: winner(among: entries, policy: field.policy).dot,
                                    rule: "the furthest lifecycle state wins")
            default:
                decision = .decided(winner: winner(among: entries, policy: field.policy).dot,
                                    rule: "the latest stamp wins (then replica id)")
            }
            described.append(.init(name: field.name, policy: field.policy.name, candidates: ordered, decision: decision))
        }
        return described.isEmpty ? nil : ConflictDescription(type: type, id: state.id, fields: described)
    }
}
