import FieldSyncCore

/// A record as the server stores it.
public struct ServerRecord: Hashable, Sendable, Codable {
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
