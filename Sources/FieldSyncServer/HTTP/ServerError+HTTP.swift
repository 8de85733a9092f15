import FieldSyncCore
import Foundation
import HTTPTypes
import Hummingbird

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
