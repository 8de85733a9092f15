import FieldSyncCore

/// An enrolled terminal as administrators see it (never its credential).
public struct Device: Hashable, Sendable, Codable {
    public var replica: ReplicaID
    public var name: String
    public var station: UnitID
    /// Units whose records the device may see and write: its station.
    public var scopes: [UnitID]
    public var enrolledAt: Int64
    public var revokedAt: Int64?

    /// A device of `station`, seeing what its station may see (`scopes(ofStation:)`).
    public init(replica: ReplicaID, name: String, station: UnitID, enrolledAt: Int64, revokedAt: Int64? = nil) {
        self.init(replica: replica, name: name, station: station, scopes: Self.scopes(ofStation: station),
                  enrolledAt: enrolledAt, revokedAt: revokedAt)
    }

    public init(replica: ReplicaID, name: String, station: UnitID, scopes: [UnitID], enrolledAt: Int64, revokedAt: Int64? = nil) {
        self.replica = replica
        self.name = name
        self.station = station
        self.scopes = scopes
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
    }

    public var isRevoked: Bool { revokedAt != nil }

    /// The scope rule of protocol v1 (SPEC §10.6), written here only: a terminal sees and writes the
    /// records of its station and of the units under it.
    public static func scopes(ofStation station: UnitID) -> [UnitID] { [station] }

    /// Whether the device may see a record whose server-side unit set is `units`.
    public func maySee(units: some Sequence<UnitID>) -> Bool {
        units.contains { unit in scopes.contains { unit.isWithin($0) } }
    }
}
