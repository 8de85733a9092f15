import FieldSyncCore

/// An officer on a unit's roster: the officers whose writes a device of that unit (or of a unit inside
/// it) may carry. A unit with no roster anywhere above it takes any officer (a deployment turns rosters
/// on by loading them, unit by unit).
public struct RosterEntry: Hashable, Sendable, Codable {
    public var unit: UnitID
    public var officer: OfficerID
    public var addedAt: Int64

    public init(unit: UnitID, officer: OfficerID, addedAt: Int64) {
        self.unit = unit
        self.officer = officer
        self.addedAt = addedAt
    }

    /// `unit` and every unit it lies in, outermost first: the rosters that cover a device of `unit`.
    public static func coveringUnits(of unit: UnitID) -> [UnitID] {
        let parts = unit.rawValue.split(separator: ".")
        return parts.indices.map { UnitID(parts[...$0].joined(separator: ".")) }
    }
}
