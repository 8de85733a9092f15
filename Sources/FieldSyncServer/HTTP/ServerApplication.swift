import FieldSyncCore
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the server application for `service`. Tests call this directly; `fieldsync server` runs it
/// with `runService()`, whose ServiceGroup turns SIGTERM into a graceful shutdown: the listener closes,
/// requests in flight finish (a batch commits or, if the process dies, SQLite rolls it back), exit 0.
public func buildApplication(service: SyncService, config: ServerConfig, logger: Logger? = nil,
                             onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
    throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "fieldsync.server")
    logger.logLevel = config.logLevel
    let descriptors = FileDescriptorLimit.raise()
    let limits = ConnectionRegistry.Limits(maxConnections: config.effectiveMaxConnections(descriptors: descriptors),
                                           maxPerAddress: config.maxConnectionsPerAddress)
    if limits.maxConnections < config.maxConnections {
        logger.warning("limits.maxConnections lowered to fit the open-file limit",
                       metadata: ["configured": "\(config.maxConnections)", "effective": "\(limits.maxConnections)", "nofile": "\(descriptors)"])
    }
    return Application(router: buildRouter(service, maxBodyBytes: config.maxBodyBytes),
                       server: try httpServer(config, registry: ConnectionRegistry(limits: limits)),
                       configuration: .init(address: .hostname(config.host, port: config.port), serverName: "fieldsync"),
                       onServerRunning: onServerRunning, logger: logger)
}

/// Opens the configured storage. Nothing is read or sent yet: `prepare` happens when the server starts
/// (`ServerServices`), after the storage's own services (the PostgreSQL pool) run.
public func openStorage(config: ServerConfig) throws -> any SyncStorage {
    let signer = try config.auditSigningKeyFile.map(AuditSigner.loadOrCreate(path:))
    switch config.backend {
    case .sqlite:
        return try SQLiteStorage(path: config.databasePath, writerCacheMegabytes: config.sqliteWriterCacheMegabytes,
                                 auditSigner: signer)
    case .postgres:
        guard let url = config.postgresURL else {
            throw ServerConfigError("storage.backend postgres needs storage.postgresURL (FIELDSYNC_STORAGE_POSTGRES_URL)")
        }
        return try PostgresStorage(url: url, maximumConnections: config.postgresMaxConnections,
                                   timeout: .seconds(config.postgresTimeoutSeconds), auditSigner: signer)
    }
}

/// What `fieldsync server` runs in one ServiceGroup, in start order: the storage's own service (the
/// PostgreSQL pool; none for SQLite), then `ServerService`, which prepares the storage and serves. On
/// SIGTERM the group stops them in reverse order: the HTTP server finishes the requests in flight, then
/// the pool closes.
public func serverServices(storage: any SyncStorage, config: ServerConfig, logger: Logger, registry: SchemaRegistry = .standard,
                           onReady: @escaping @Sendable (SyncService) -> Void = { _ in },
                           onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> [any Service] {
    let server = ServerService(storage: storage, config: config, logger: logger, registry: registry, onReady: onReady,
                               onServerRunning: onServerRunning)
    return ((storage as? any Service).map { [$0] } ?? []) + [server]
}

/// Prepares the storage (migrations, schema check), builds the service and runs the HTTP application.
struct ServerService: Service {
    let storage: any SyncStorage
    let config: ServerConfig
    let logger: Logger
    /// The record types this server accepts: the standard ones, or a deployment's own beside them.
    let registry: SchemaRegistry
    let onReady: @Sendable (SyncService) -> Void
    let onServerRunning: @Sendable (any Channel) async -> Void

    func run() async throws {
        do {
            try await storage.prepare()
        } catch let error as ServerConfigError {
            throw error
        } catch where config.backend == .postgres {
            let url = config.postgresURL.map(PostgresStorage.redacted) ?? ""
            throw ServerConfigError("cannot prepare the PostgreSQL database at \(url): \(String(reflecting: error))")
        }
        let service = SyncService(storage: storage, registry: registry, settings: config.service)
        onReady(service)
        try await buildApplication(service: service, config: config, logger: logger, onServerRunning: onServerRunning).run()
    }
}

/// Plain HTTP/1.1, or HTTPS when the configuration names a certificate chain and a key (PEM files),
/// with the idle timeout, the request-read deadline and the connection caps on every connection.
func httpServer(_ config: ServerConfig, registry: ConnectionRegistry) throws -> HTTPServerBuilder {
    let readTimeout = TimeAmount.milliseconds(Int64(config.requestReadTimeoutSeconds * 1_000))
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [ConnectionGuard(registry: registry, readTimeout: readTimeout)],
        idleTimeout: .milliseconds(Int64(config.idleTimeoutSeconds * 1_000)))
    guard let certificatePath = config.tlsCertificatePath, let keyPath = config.tlsKeyPath else { return .http1(configuration: http1) }
    do {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        return try .tls(.http1(configuration: http1), tlsConfiguration: tls)
    } catch {
        throw ServerConfigError("tls.certificatePath / tls.keyPath cannot be used: \(error)")
    }
}
