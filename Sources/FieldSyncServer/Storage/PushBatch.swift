import FieldSyncCore

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
