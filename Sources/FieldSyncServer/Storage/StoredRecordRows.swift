import FieldSyncCore
import Foundation

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
