/// `POST /v1/roster`: a terminal asks which officers may write on it (the rosters of its station and
/// of every unit its station lies in, SPEC §10.11).
public struct RosterRequest: ProtocolMessage, Hashable {
    public var protocolVersion: Int
    public init(protocolVersion: Int = WireCoding.protocolVersion) { self.protocolVersion = protocolVersion }
}

public struct RosterResponse: ProtocolMessage, Hashable {
    public var protocolVersion: Int
    /// The officers whose writes the server accepts from this device; nil when no roster covers its
    /// station (then any officer's writes are accepted).
    public var officers: [OfficerID]?
    public var serverTime: Int64

    public init(officers: [OfficerID]?, serverTime: Int64, protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.officers = officers
        self.serverTime = serverTime
    }
}
