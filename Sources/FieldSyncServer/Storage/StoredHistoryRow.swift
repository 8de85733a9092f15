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

/// One record's stored row with its history, for re-deriving the state.
public struct StoredRecordRows: Hashable, Sendable {
    public var id: RecordID
    public var sequence: UInt64
    public var state: Data
    public var history: [StoredHistoryRow]

    public init(id: RecordID, sequence: UInt64, state: Data, history: [StoredHistoryRow]) {
        self.id = id
        self.sequence = sequence
        self.state = state
        self.history = history
    }
}

/// One quarantine row as stored, for holding it against its audit entry.
public struct StoredQuarantineRow: Hashable, Sendable {
    public var id: Int64
    public var record: RecordID
    public var batchID: String
    public var state: Data

    public init(id: Int64, record: RecordID, batchID: String, state: Data) {
        self.id = id
        self.record = record
        self.batchID = batchID
        self.state = state
    }
}
