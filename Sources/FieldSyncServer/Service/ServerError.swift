import FieldSyncCore
import Foundation
import HTTPTypes
import Hummingbird

/// The server module's one error type: an operating failure with a protocol code. The HTTP edge maps
/// it to a status in exactly one place (`status`) and answers with the `ProtocolError` JSON body.
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

extension ServerError: HTTPResponseError {
    /// The one mapping from protocol error codes to HTTP statuses.
    public var status: HTTPResponse.Status {
        switch code {
        case .malformedRequest, .unsupportedProtocolVersion, .invalidCursor: .badRequest
        case .payloadTooLarge: .contentTooLarge
        case .unauthenticated, .revoked: .unauthorized
        case .forbidden, .invalidToken: .forbidden
        case .batchConflict: .conflict
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .notFound: .notFound
        default: .internalServerError
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retry = protocolError.retryAfterSeconds { headers[.retryAfter] = String(retry) }
        if code == .unauthenticated || code == .revoked { headers[.wwwAuthenticate] = "Bearer" }
        let body = (try? WireCoding.encode(protocolError)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
