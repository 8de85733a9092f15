/// `POST /v1/enroll`: a terminal exchanges a one-time enrollment token for its identity.
public struct EnrollRequest: ProtocolMessage, Hashable {
    public var protocolVersion: Int
    public var token: String
    /// A label for administrators (`devices` listing), e.g. the terminal's asset tag.
    public var deviceName: String

    public init(token: String, deviceName: String, protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.token = token
        self.deviceName = deviceName
    }
}

public struct EnrollResponse: ProtocolMessage, Hashable {
    public var protocolVersion: Int
    /// The terminal's replica id: new at every enrollment, never reused.
    public var replica: ReplicaID
    /// The device credential, sent once: the server keeps only its hash. `Authorization: Bearer <credential>`.
    public var credential: String
    public var station: UnitID
    /// Units whose records the terminal may see and write.
    public var scopes: [UnitID]
    public var lease: ReceiptLease
    /// The server's wall clock (milliseconds since 1970), for the terminal's clock correction.
    public var serverTime: Int64
    /// The server's Ed25519 public key for audit checkpoints (§8.7): raw 32 bytes, base64. Absent from a
    /// server that signs none.
    public var auditPublicKey: String?

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
