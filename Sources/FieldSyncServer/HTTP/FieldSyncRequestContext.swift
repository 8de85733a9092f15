import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core context plus the peer's address, which the
/// per-address limit on unauthenticated attempts needs (SyncService.admitUnauthenticatedAttempt).
public struct FieldSyncRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text ("127.0.0.1", "::1"), or "unknown".
    public var sourceAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
