import FieldSyncCore
import Hummingbird
import HummingbirdAuth

/// Authenticates the device routes (hummingbird-auth's authenticator pattern): the bearer credential
/// must name an enrolled device that is not revoked and within its rate limit, or the request stops
/// here with `unauthenticated`, `revoked` or `rateLimited`. A failed credential is charged to the peer
/// address as an unauthenticated attempt.
struct DeviceAuthenticator: AuthenticatorMiddleware {
    typealias Context = FieldSyncRequestContext
    let service: SyncService

    func authenticate(request: Request, context: Context) async throws -> Caller? {
        .device(try await service.authenticate(credential: bearer(request), from: context.sourceAddress))
    }
}

/// Authenticates `/v1/admin/...` with the administrator token from ServerConfig, never a device
/// credential. Every administrator request is an unauthenticated attempt until its token checks out:
/// it is charged to the peer address first, so tokens cannot be guessed at speed.
struct AdministratorAuthenticator: AuthenticatorMiddleware {
    typealias Context = FieldSyncRequestContext
    let service: SyncService

    func authenticate(request: Request, context: Context) async throws -> Caller? {
        try service.admitAttempt(from: context.sourceAddress)
        try service.authenticateAdmin(token: bearer(request))
        return .administrator
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme compared without case, RFC 9110 §11.1).
func bearer(_ request: Request) -> String? {
    guard let header = request.headers[.authorization] else { return nil }
    let parts = header.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
    return parts[1].trimmingCharacters(in: .whitespaces)
}
