/// `POST /v1/roster`: a terminal asks which officers may write on it (the rosters of its station and
/// of every unit its station lies in, SPEC §10.11).
public struct RosterRequest: ProtocolMessage, Hashable {
    /// The protocol version the message is written in (`WireCoding.protocolVersion` when built here).
    public var protocolVersion: Int
    /// A request for the roster of the requesting device's station.
    public init(protocolVersion: Int = WireCoding.protocolVersion) { self.protocolVersion = protocolVersion }
}

/// The answer to `RosterRequest`.
public struct RosterResponse: ProtocolMessage, Hashable {
    /// The protocol version the message is written in (`WireCoding.protocolVersion` when built here).
    public var protocolVersion: Int
    /// The officers whose writes the server accepts from this device; nil when no roster covers its
    /// station (then any officer's writes are accepted).
    public var officers: [OfficerID]?
    /// The server's wall clock when it answered, milliseconds since 1970: the terminal corrects its
    /// hybrid clock by it.
    public var serverTime: Int64

    /// An answer as given (the server builds it).
    public init(officers: [OfficerID]?, serverTime: Int64, protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.officers = officers
        self.serverTime = serverTime
    }
}
