import FieldSyncCore

/// Who this terminal is, as enrollment made it: written once, never replaced, because a replica id
/// that were reused could issue a dot that already names a different write.
public struct StoreIdentity: Hashable, Sendable {
    /// The replica id the server issued: every local write takes its dots under it.
    public var replica: ReplicaID
    /// The terminal's station.
    public var station: UnitID
    /// The units whose records the terminal may see and write.
    public var scopes: [UnitID]
    /// The device credential for `Authorization: Bearer`; stored sealed, opened only here.
    public var credential: String
    /// Local time of enrollment, milliseconds since 1970.
    public var enrolledAt: Int64
}
