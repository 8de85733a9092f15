import FieldSyncCore
import Foundation

/// One history row as the database holds it, bytes untouched: what `audit verify` digests and joins.
public struct StoredHistoryRow: Hashable, Sendable {
    public var sequence: UInt64
    public var record: RecordID
    public var delta: Data
    /// The accepted state; nil when the delta is the state (a new record) or the row predates history states.
    public var state: Data?

    public init(sequence: UInt64, record: RecordID, delta: Data, state: Data?) {
        self.sequence = sequence
        self.record = record
        self.delta = delta
        self.state = state
    }

    /// The state this change left: the stored state, or the delta of a record's first change.
    public var acceptedState: Data { state ?? delta }
}
