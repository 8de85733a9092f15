import FieldSyncCore

/// One accepted change, kept forever (append-only): who, which device, which batch, when, what.
public struct HistoryEntry: Hashable, Sendable, Codable {
    public var sequence: UInt64
    public var record: RecordID
    public var replica: ReplicaID
    public var batchID: String
    public var authors: [OfficerID]
    public var at: Int64
    /// The writes that were new to the server, as a record state.
    public var delta: RecordState

    public init(sequence: UInt64, record: RecordID, replica: ReplicaID, batchID: String, authors: [OfficerID], at: Int64, delta: RecordState) {
        self.sequence = sequence
        self.record = record
        self.replica = replica
        self.batchID = batchID
        self.authors = authors
        self.at = at
        self.delta = delta
    }
}

/// A rejected change, kept with its reason: nothing pushed is ever lost.
public struct QuarantinedChange: Hashable, Sendable, Codable {
    public var id: Int64
    public var record: RecordID
    public var replica: ReplicaID
    public var batchID: String
    public var at: Int64
    public var rejection: Rejection
    public var state: RecordState

    public init(id: Int64, record: RecordID, replica: ReplicaID, batchID: String, at: Int64, rejection: Rejection, state: RecordState) {
        self.id = id
        self.record = record
        self.replica = replica
        self.batchID = batchID
        self.at = at
        self.rejection = rejection
        self.state = state
    }
}
