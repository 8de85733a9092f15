import FieldSyncCore
import Foundation

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
