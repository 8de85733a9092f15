import HummingbirdAuth
import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core context, the peer's address (which the
/// per-address limit on unauthenticated attempts needs) and who the authenticator middleware found
/// the caller to be (hummingbird-auth's `AuthRequestContext`).
public struct FieldSyncRequestContext: AuthRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set by `DeviceAuthenticator` or `AdministratorAuthenticator`; nil on the open routes.
    public var identity: Caller?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text ("127.0.0.1", "::1"), or "unknown".
    public var sourceAddress: String { remoteAddress?.ipAddress ?? "unknown" }

    /// The enrolled device making this request. Only routes behind `DeviceAuthenticator` have one; any
    /// other route asking is a programming error answered as `unauthenticated`, never a pass.
    public func requireDevice() throws -> Device {
        guard case .device(let device) = identity else {
            throw ServerError(.unauthenticated, "a device credential is required: Authorization: Bearer <credential>")
        }
        return device
    }
}

/// Who is calling, once authenticated.
public enum Caller: Sendable {
    /// An enrolled, unrevoked device within its rate limit.
    case device(Device)
    /// The holder of the administrator token.
    case administrator
}
