/// `POST /v1/enroll`: a terminal exchanges a one-time enrollment token for its identity.
public struct EnrollRequest: ProtocolMessage, Hashable {
    /// The protocol version the message is written in (`WireCoding.protocolVersion` when built here).
    public var protocolVersion: Int
    /// The one-time token from `fieldsync admin enroll`; the server consumes it (`invalidToken` when it is
    /// unknown, used or expired).
    public var token: String
    /// A label for administrators (`devices` listing), e.g. the terminal's asset tag.
    public var deviceName: String

    /// A request for `token` under the label `deviceName`.
    public init(token: String, deviceName: String, protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.token = token
        self.deviceName = deviceName
    }
}

/// The answer to `EnrollRequest`: the terminal's identity, credential, scopes, first lease and the
/// server's clock.
public struct EnrollResponse: ProtocolMessage, Hashable {
    /// The protocol version the message is written in (`WireCoding.protocolVersion` when built here).
    public var protocolVersion: Int
    /// The terminal's replica id: new at every enrollment, never reused.
    public var replica: ReplicaID
    /// The device credential, sent once: the server keeps only its hash. `Authorization: Bearer <credential>`.
    public var credential: String
    /// The station the token was issued for: the terminal's own unit.
    public var station: UnitID
    /// Units whose records the terminal may see and write.
    public var scopes: [UnitID]
    /// The terminal's first block of receipt numbers.
    public var lease: ReceiptLease
    /// The server's wall clock (milliseconds since 1970), for the terminal's clock correction.
    public var serverTime: Int64
    /// The server's Ed25519 public key for audit checkpoints (§8.7): raw 32 bytes, base64. Absent from a
    /// server that signs none.
    public var auditPublicKey: String?

    /// An answer as given (the server builds it).
    public init(replica: ReplicaID, credential: String, station: UnitID, scopes: [UnitID], lease: ReceiptLease,
                serverTime: Int64, auditPublicKey: String? = nil, protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.replica = replica
        self.credential = credential
        self.station = station
        self.scopes = scopes
        self.lease = lease
        self.serverTime = serverTime
        self.auditPublicKey = auditPublicKey
    }
}
