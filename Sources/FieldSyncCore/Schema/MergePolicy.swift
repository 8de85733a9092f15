/// How a field's concurrent values decide its effective value. One policy per field.
public enum MergePolicy: Sendable, Hashable {
    /// Set at creation; any later change is rejected with `immutableField`.
    case immutable
    /// Highest stamp wins (then replica id, then counter); the losers stay visible until covered.
    case lastWriterWins
    /// The furthest state wins; only allowed transitions are accepted; locking states lock the record.
    case lifecycle(Lifecycle)
    /// An observed-remove set: each value held is one element; a concurrent add beats a remove.
    case addWinsSet
    /// Entries are only ever added; concurrent entries are ordered by stamp.
    case appendLog
    /// Concurrent values are a conflict for a person to resolve.
    case manual

    /// The policy's name on the wire and in the CLI.
    public var name: String {
        switch self {
        case .immutable: "immutable"
        case .lastWriterWins: "lastWriterWins"
        case .lifecycle: "lifecycle"
        case .addWinsSet: "addWinsSet"
        case .appendLog: "appendLog"
        case .manual: "manual"
        }
    }

    /// Whether values held side by side mean concurrent edits of a single value (rather than elements).
    public var isSingleValued: Bool {
        switch self {
        case .addWinsSet, .appendLog: false
        default: true
        }
    }
}
