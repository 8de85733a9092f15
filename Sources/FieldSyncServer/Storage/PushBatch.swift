import FieldSyncCore
import Foundation

/// One push as the storage applies it.
public struct PushBatch: Sendable {
    public var replica: ReplicaID
    public var batchID: String
    /// Identifies the batch's content, so that a reused batch id with other content is refused.
    public var fingerprint: String
    public var records: [RecordState]
    /// The records as JSON, encoded before the transaction (in parallel with other requests) so that the
    /// serial write does not pay for it; empty when not prepared.
    public var encoded: [EncodedRecord]
    public var receivedAt: Int64
    /// The record types the service validates against: their unique fields (`FieldSchema.unique`) are
    /// the receipt numbers the storage checks against the pusher's leases and the numbers already issued.
    public var registry: SchemaRegistry

    public init(replica: ReplicaID, batchID: String, fingerprint: String, records: [RecordState],
                encoded: [EncodedRecord] = [], receivedAt: Int64, registry: SchemaRegistry = .standard) {
        precondition(encoded.isEmpty || encoded.count == records.count)
        self.replica = replica
        self.batchID = batchID
        self.fingerprint = fingerprint
        self.records = records
        self.encoded = encoded
        self.receivedAt = receivedAt
        self.registry = registry
    }
}

/// One pushed record's JSON and its SHA-256 (hex).
public struct EncodedRecord: Sendable {
    public var json: Data
    public var sha256: String

    public init(json: Data, sha256: String) {
        self.json = json
        self.sha256 = sha256
    }
}

/// A record as the server stores it.
public struct StoredRecord: Hashable, Sendable, Codable {
    public var state: RecordState
    /// The change sequence of the latest stored change.
    public var sequence: UInt64
    /// Every unit the record was ever scoped to: it only grows, so a station that once held a case
    /// keeps it after a transfer.
    public var units: Set<UnitID>
    /// A field holds concurrent values that wait for a person.
    public var needsPerson: Bool

    public init(state: RecordState, sequence: UInt64, units: Set<UnitID>, needsPerson: Bool) {
        self.state = state
        self.sequence = sequence
        self.units = units
        self.needsPerson = needsPerson
    }
}

/// The service's decision for one pushed record, taken inside the batch transaction.
public enum Admission: Sendable {
    /// Store `state`; `delta` holds the writes that are new to the server (for history).
    /// `isIncoming`: `state` is the pushed state itself (a new record), so its prepared JSON applies.
    case store(RecordState, delta: RecordState, units: Set<UnitID>, needsPerson: Bool, isIncoming: Bool)
    /// Nothing new: answer accepted with the stored sequence.
    case unchanged
    /// Refuse and quarantine; `current` goes back to the device when it may see the record.
    case reject(Rejection, current: RecordState?)
}

/// The answers of an applied (or replayed) batch.
public struct AppliedPush: Sendable {
    public var results: [RecordResult]
    /// True when the answers are the stored ones of an earlier identical batch.
    public var replayed: Bool

    public init(results: [RecordResult], replayed: Bool) {
        self.results = results
        self.replayed = replayed
    }
}

/// One page of a pull as the storage reads it: record states as stored JSON, so that the HTTP edge can
/// send them without decoding and re-encoding.
public struct StoredPage: Sendable {
    public var states: [Data]
    /// The checkpoint after this page.
    public var cursor: UInt64
    public var hasMore: Bool
    /// The latest change sequence when the page was read (for the pull-lag metric).
    public var head: UInt64
    /// The latest signed audit checkpoint, on a pull's last page (the service adds it, not the storage).
    public var auditCheckpoint: AuditCheckpoint?

    public init(states: [Data], cursor: UInt64, hasMore: Bool, head: UInt64) {
        self.states = states
        self.cursor = cursor
        self.hasMore = hasMore
        self.head = head
    }
}
