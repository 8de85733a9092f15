import FieldSyncCore

/// The server module's one error type: a protocol outcome or an operating failure, with its protocol
/// code. The service and the storage throw it and know nothing of HTTP; the HTTP edge maps it to a status
/// in exactly one place (`ServerError+HTTP.swift`) and answers with the `ProtocolError` JSON body.
public struct ServerError: Error, Hashable, Sendable, CustomStringConvertible {
    public var protocolError: ProtocolError
    /// The cause, for the server's own log only: storage errors name tables, paths and SQL, which a
    /// device has no business reading.
    public var underlying: String?

    public init(_ code: ProtocolError.Code, _ message: String, retryAfterSeconds: Int? = nil, wipe: Bool = false) {
        protocolError = ProtocolError(code, message, retryAfterSeconds: retryAfterSeconds, wipe: wipe)
    }

    /// The answer to every request of a revoked device, with the proof that lets it wipe (SPEC §10.10).
    static func revoked(replica: ReplicaID, credentialHash: [UInt8]) -> ServerError {
        ServerError(ProtocolError(.revoked, "this device was revoked: wipe the local store", wipe: true,
                                  revocationProof: DeviceCredential.revocationProof(replica: replica, credentialHash: credentialHash)))
    }

    public init(_ error: ProtocolError) { protocolError = error }

    public var code: ProtocolError.Code { protocolError.code }
    public var description: String {
        underlying.map { "\(protocolError.description) [\($0)]" } ?? protocolError.description
    }

    static func unavailable(_ underlying: any Error) -> ServerError {
        var error = ServerError(.unavailable, "the server cannot use its storage now; retry later", retryAfterSeconds: 5)
        error.underlying = "\(underlying)"
        return error
    }
}
