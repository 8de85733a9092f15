import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A server running in this process on a real socket, for tests, the benchmark and `fieldsync demo`.
/// Port 0 picks a free port; `port` is the one bound.
public final class RunningServer: Sendable {
    public let port: Int
    public let service: SyncService
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, service: SyncService, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.service = service
        self.group = group
        self.task = task
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public static func start(service: SyncService, config: ServerConfig, logger: Logger? = nil) async throws -> RunningServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try buildApplication(service: service, config: config, logger: logger) { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [],
                                                      logger: logger ?? Logger(label: "fieldsync.server")))
        let task = Task {
            // If the server cannot start (port taken), end the stream so that `start` reports the error.
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw ServerConfigError("the server stopped before it was listening")
        }
        return RunningServer(port: port, service: service, group: group, task: task)
    }

    /// Graceful shutdown: stops accepting, lets requests in flight finish, then returns.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
