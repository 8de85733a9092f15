import FieldSyncCore

/// The answers of an applied (or replayed) batch.
public struct AppliedPush: Sendable {
    /// One answer per pushed record, in the batch's order.
    public var results: [RecordResult]
    /// True when the answers are the stored ones of an earlier identical batch.
    public var replayed: Bool
    /// What the committed transaction decided, for the metrics; empty for a replay (nothing was decided).
    public var counts: PushCounts

    public init(results: [RecordResult], replayed: Bool, counts: PushCounts = PushCounts()) {
        self.results = results
        self.replayed = replayed
        self.counts = counts
    }
}
