import FieldSyncCore

/// A pulled record state this version of the store could not store (an unknown record type or schema
/// version, a malformed state), kept whole so that nothing the server sent is lost. A later version
/// that understands it can join it; `fieldsync status` counts them.
public struct HeldRecord: Hashable, Sendable {
    /// The state exactly as pulled.
    public var state: RecordState
    /// Why it could not be stored.
    public var reason: Rejection
    /// The cursor of the page that carried it.
    public var cursor: String
    /// When it was held: the terminal's time, milliseconds since 1970.
    public var heldAt: Int64
}
