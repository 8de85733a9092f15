import FieldSyncCore

/// A local change the server refused. Kept for good: the server's typed reason and the full local state
/// as it stood when the rejection arrived, so an officer can see and re-enter what was refused.
public struct RejectedChange: Hashable, Sendable {
    /// The rejection's local number: later rejections have larger ones.
    public var id: Int64
    /// The record the change was to.
    public var recordID: RecordID
    /// The record's type.
    public var type: RecordType
    /// The server's reason, as it sent it.
    public var rejection: Rejection
    /// The local state that was refused (sensitive values opened).
    public var localState: RecordState
    /// The server's state the record was rolled back to, when the server sent one.
    public var serverState: RecordState?
    /// Local time of the rejection, milliseconds since 1970.
    public var rejectedAt: Int64
}
