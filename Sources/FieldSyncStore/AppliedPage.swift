import FieldSyncCore

/// What applying one pulled page did.
public struct AppliedPage: Hashable, Sendable {
    /// Records stored for the first time.
    public var inserted: [RecordID] = []
    /// Records whose state changed by the join.
    public var updated: [RecordID] = []
    /// Records the page brought nothing new for (already integrated).
    public var unchanged: Int = 0
    /// Records that now wait for a person to resolve a conflict and did not before.
    public var becameConflicted: [RecordID] = []
    /// Records that could not be stored (unknown type or schema version, malformed state), with why.
    /// They are skipped rather than failing the page, so one bad record cannot stall every later change.
    public var skipped: [SkippedRecord] = []
    /// The checkpoint now stored.
    public var cursor: String

    /// A pulled record that was not stored, and why.
    public struct SkippedRecord: Hashable, Sendable {
        /// The record's id.
        public var id: RecordID
        /// The type the pulled state claims.
        public var type: RecordType
        /// Why it was not stored (`unknownRecordType`, `unsupportedSchemaVersion`, `malformedState`, ...).
        public var rejection: Rejection
    }
}
