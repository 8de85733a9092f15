import FieldSyncCore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Builds the server application for `service`. Tests call this directly; `fieldsync server` runs it
/// with `runService()`, whose ServiceGroup turns SIGTERM into a graceful shutdown: the listener closes,
/// requests in flight finish (a batch commits or, if the process dies, SQLite rolls it back), exit 0.
public func buildApplication(service: SyncService, config: ServerConfig, logger: Logger? = nil,
                             onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
    throws -> some ApplicationProtocol {
    if config.tlsCertificatePath != nil {
        throw ServerConfigError("TLS is not built into this server yet: terminate TLS in front of it (see ServerConfig/README.md)")
    }
    var logger = logger ?? Logger(label: "fieldsync.server")
    logger.logLevel = config.logLevel
    return Application(router: buildRouter(service, maxBodyBytes: config.maxBodyBytes),
                       configuration: .init(address: .hostname(config.host, port: config.port), serverName: "fieldsync"),
                       onServerRunning: onServerRunning, logger: logger)
}

/// Opens the configured storage and builds the service over it.
public func makeSyncService(config: ServerConfig) async throws -> SyncService {
    switch config.backend {
    case .sqlite:
        let storage = try SQLiteStorage(path: config.databasePath)
        try await storage.prepare()
        return SyncService(storage: storage, settings: config.service)
    case .postgres:
        throw ServerConfigError("storage.backend postgres is not available in this build yet; use sqlite")
    }
}
