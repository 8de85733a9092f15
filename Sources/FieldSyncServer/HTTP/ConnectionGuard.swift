import NIOCore
import NIOHTTPTypes
import Synchronization

/// Counts the open connections, in all and per peer address, and decides whether one more may stay.
/// A connection over either cap is closed at once rather than left in the accept backlog: a peer that
/// opens thousands of idle sockets then starves only itself, never `/health` or other terminals.
public final class ConnectionRegistry: Sendable {
    public struct Limits: Hashable, Sendable {
        public var maxConnections: Int
        public var maxPerAddress: Int
        public init(maxConnections: Int, maxPerAddress: Int) {
            self.maxConnections = maxConnections
            self.maxPerAddress = maxPerAddress
        }
    }

    private struct Counts {
        var total = 0
        var byAddress: [String: Int] = [:]
    }

    public let limits: Limits
    private let counts = Mutex(Counts())

    public init(limits: Limits) { self.limits = limits }

    /// Registers a new connection from `address`; false (and nothing registered) when it is over a cap.
    func open(_ address: String) -> Bool {
        counts.withLock { counts in
            let mine = counts.byAddress[address, default: 0]
            guard counts.total < limits.maxConnections, mine < limits.maxPerAddress else { return false }
            counts.total += 1
            counts.byAddress[address] = mine + 1
            return true
        }
    }

    func close(_ address: String) {
        counts.withLock { counts in
            counts.total -= 1
            let left = counts.byAddress[address, default: 1] - 1
            counts.byAddress[address] = left > 0 ? left : nil
        }
    }

    /// Connections open now.
    public var openConnections: Int { counts.withLock { $0.total } }
}

/// First handler after HTTP decoding on every connection: enforces the connection caps and the
/// request-read deadline. A request's head and body must arrive within `readTimeout` of its first
/// byte being decoded, so a body trickled at one byte a second (or a head announcing a 10^12-byte body
/// and sending a little of it) cannot hold a connection; a slow head is closed by Hummingbird's idle
/// timeout, which runs while no request is being read.
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let registry: ConnectionRegistry
    private let readTimeout: TimeAmount
    private var address: String?
    private var deadline: Scheduled<Void>?

    init(registry: ConnectionRegistry, readTimeout: TimeAmount) {
        self.registry = registry
        self.readTimeout = readTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard address == nil else { return }
        let peer = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if registry.open(peer) {
            address = peer
        } else {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    /// Gives the connection's place back, once, whichever of inactive and removal comes first.
    private func release() {
        deadline?.cancel()
        deadline = nil
        if let address { registry.close(address) }
        address = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            deadline = context.eventLoop.scheduleTask(in: readTimeout) { loopBound.value.close(promise: nil) }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }
}
