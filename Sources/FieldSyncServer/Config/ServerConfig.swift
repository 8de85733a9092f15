import Configuration
import FieldSyncCore
import Foundation
import Logging
import SystemPackage

/// Everything an operator sets. Every key is documented in ServerConfig/README.md; the defaults make
/// `fieldsync server` run with no configuration at all (SQLite file in the working directory, loopback).
public struct ServerConfig: Hashable, Sendable {
    public enum StorageBackend: String, Hashable, Sendable {
        case sqlite, postgres
    }

    public var host = "127.0.0.1"
    public var port = 8740
    public var backend = StorageBackend.sqlite
    public var databasePath = "fieldsync-server.sqlite"
    /// The SQLite writer connection's page cache, in MiB.
    public var sqliteWriterCacheMegabytes = SQLiteStorage.defaultWriterCacheMegabytes
    public var postgresURL: String?
    /// Connections each node keeps to PostgreSQL at most.
    public var postgresMaxConnections = 20
    /// The longest one storage step may wait for PostgreSQL before the request is answered `unavailable`.
    public var postgresTimeoutSeconds = 30
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    public var maxBodyBytes = 16 * 1024 * 1024
    /// A connection with no request in progress is closed after this many seconds; so is one whose
    /// request head has not fully arrived by then (a slow-loris head).
    public var idleTimeoutSeconds = 60.0
    /// A request's head and body must arrive within this many seconds of the head (a body trickled in,
    /// or a 10^12-byte body announced and never sent, is cut off).
    public var requestReadTimeoutSeconds = 120.0
    /// Most connections open at once; more are closed at once rather than queued. Kept below what the
    /// process's file-descriptor limit allows (`effectiveMaxConnections`).
    public var maxConnections = 10_000
    /// Most connections open at once from one peer address (a NAT in front of many terminals needs room).
    public var maxConnectionsPerAddress = 1_000
    public var logLevel = Logger.Level.info
    /// The Ed25519 key that signs audit checkpoints, kept outside the database; created (0600) when absent.
    /// nil (an empty `audit.signingKeyFile`) signs nothing.
    public var auditSigningKeyFile: String? = "fieldsync-audit-signing.key"
    /// Limits, the admin token hash and the rate limit, as the service uses them.
    public var service = SyncService.Settings()

    public init() {}

    /// Environment variables that override file keys: `FIELDSYNC_` then the key in upper snake case,
    /// e.g. `listen.port` → `FIELDSYNC_LISTEN_PORT`, `admin.tokenHash` → `FIELDSYNC_ADMIN_TOKEN_HASH`
    /// (swift-configuration's environment provider, its keys prefixed with `environmentPrefix`).
    public static let environmentPrefix: ConfigKey = "fieldsync"

    /// Reads the JSON file at `path` (if given) with environment overrides on top.
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> ServerConfig {
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: environmentPrefix),
        ]
        if let path {
            providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(path)))
        }
        return try ServerConfig(reader: ConfigReader(providers: providers))
    }

    public init(reader: ConfigReader) throws {
        self.init()
        host = reader.string(forKey: "listen.host", default: host)
        port = reader.int(forKey: "listen.port", default: port)
        let backendName = reader.string(forKey: "storage.backend", default: backend.rawValue)
        guard let backend = StorageBackend(rawValue: backendName) else {
            throw ServerConfigError("storage.backend must be sqlite or postgres, not '\(backendName)'")
        }
        self.backend = backend
        databasePath = reader.string(forKey: "storage.path", default: databasePath)
        sqliteWriterCacheMegabytes = reader.int(forKey: "storage.sqliteWriterCacheMegabytes", default: sqliteWriterCacheMegabytes)
        postgresURL = reader.string(forKey: "storage.postgresURL", isSecret: true)
        postgresMaxConnections = reader.int(forKey: "storage.postgresMaxConnections", default: postgresMaxConnections)
        postgresTimeoutSeconds = reader.int(forKey: "storage.postgresTimeoutSeconds", default: postgresTimeoutSeconds)
        tlsCertificatePath = reader.string(forKey: "tls.certificatePath")
        tlsKeyPath = reader.string(forKey: "tls.keyPath")
        maxBodyBytes = reader.int(forKey: "limits.maxBodyBytes", default: maxBodyBytes)
        idleTimeoutSeconds = reader.double(forKey: "limits.idleTimeoutSeconds", default: idleTimeoutSeconds)
        requestReadTimeoutSeconds = reader.double(forKey: "limits.requestReadTimeoutSeconds", default: requestReadTimeoutSeconds)
        maxConnections = reader.int(forKey: "limits.maxConnections", default: maxConnections)
        maxConnectionsPerAddress = reader.int(forKey: "limits.maxConnectionsPerAddress", default: maxConnectionsPerAddress)
        service.deploymentEpoch = Int64(reader.int(forKey: "limits.deploymentEpochMilliseconds", default: Int(service.deploymentEpoch)))
        let attempts = reader.double(forKey: "limits.unauthenticated.attemptsPerSecond", default: 5)
        let attemptBurst = reader.double(forKey: "limits.unauthenticated.burst", default: 20)
        service.unauthenticatedRateLimit = attempts > 0 ? RateLimiter.Policy(requestsPerSecond: attempts, burst: max(1, attemptBurst)) : nil
        service.maxBatchRecords = reader.int(forKey: "limits.maxBatchRecords", default: service.maxBatchRecords)
        service.pullPageCap = reader.int(forKey: "limits.pullPageCap", default: service.pullPageCap)
        service.concurrentDeviceRequests = reader.int(forKey: "limits.concurrentDeviceRequests", default: service.concurrentDeviceRequests)
        service.pullPageBytes = reader.int(forKey: "limits.pullPageBytes", default: service.pullPageBytes)
        service.pageCacheBytes = reader.int(forKey: "limits.pageCacheBytes", default: service.pageCacheBytes)
        service.pageCacheLifetime = Int64(reader.int(forKey: "limits.pageCacheSeconds",
                                                     default: Int(service.pageCacheLifetime / 1_000))) * 1_000
        service.clockSkewTolerance = Int64(reader.int(forKey: "limits.clockSkewToleranceSeconds",
                                                      default: Int(service.clockSkewTolerance / 1_000))) * 1_000
        service.leaseSize = Int64(reader.int(forKey: "limits.receiptLeaseSize", default: Int(service.leaseSize)))
        service.enrollmentTokenLifetime = Int64(reader.int(forKey: "limits.enrollmentTokenLifetimeSeconds",
                                                           default: Int(service.enrollmentTokenLifetime / 1_000))) * 1_000
        let rate = reader.double(forKey: "limits.rateLimit.requestsPerSecond", default: 50)
        let burst = reader.double(forKey: "limits.rateLimit.burst", default: 100)
        service.rateLimit = rate > 0 ? RateLimiter.Policy(requestsPerSecond: rate, burst: max(1, burst)) : nil
        service.adminTokenHash = reader.string(forKey: "admin.tokenHash", isSecret: true)
        let keyFile = reader.string(forKey: "audit.signingKeyFile", default: auditSigningKeyFile ?? "")
        auditSigningKeyFile = keyFile.isEmpty ? nil : keyFile
        let level = reader.string(forKey: "log.level", default: logLevel.rawValue)
        guard let logLevel = Logger.Level(rawValue: level) else {
            throw ServerConfigError("log.level must be one of trace, debug, info, notice, warning, error, critical")
        }
        self.logLevel = logLevel
        try validate()
    }

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ServerConfigError("listen.port must be 0-65535") }
        guard maxBodyBytes >= 1_024 else { throw ServerConfigError("limits.maxBodyBytes must be at least 1024") }
        guard idleTimeoutSeconds > 0, idleTimeoutSeconds <= 86_400, requestReadTimeoutSeconds > 0, requestReadTimeoutSeconds <= 86_400 else {
            throw ServerConfigError("limits.idleTimeoutSeconds and limits.requestReadTimeoutSeconds must be between 0 and 86400 (exclusive of 0)")
        }
        guard maxConnections >= 1, maxConnectionsPerAddress >= 1 else {
            throw ServerConfigError("limits.maxConnections and limits.maxConnectionsPerAddress must be positive")
        }
        guard service.concurrentDeviceRequests >= 1 else {
            throw ServerConfigError("limits.concurrentDeviceRequests must be at least 1")
        }
        guard service.maxBatchRecords >= 1, service.pullPageCap >= 1, service.pullPageBytes >= 1_024 else {
            throw ServerConfigError("limits.maxBatchRecords and limits.pullPageCap must be positive, limits.pullPageBytes at least 1024")
        }
        guard service.pageCacheBytes >= 0, (0...3_600_000).contains(service.pageCacheLifetime) else {
            throw ServerConfigError("limits.pageCacheBytes must be 0 or more, limits.pageCacheSeconds 0-3600")
        }
        guard sqliteWriterCacheMegabytes >= 2 else { throw ServerConfigError("storage.sqliteWriterCacheMegabytes must be at least 2") }
        if backend == .postgres {
            guard let postgresURL else { throw ServerConfigError("storage.backend postgres needs storage.postgresURL") }
            _ = try PostgresStorage.configuration(url: postgresURL)
            guard postgresMaxConnections >= 1 else { throw ServerConfigError("storage.postgresMaxConnections must be positive") }
            guard postgresTimeoutSeconds >= 1 else { throw ServerConfigError("storage.postgresTimeoutSeconds must be positive") }
        }
        guard (tlsCertificatePath == nil) == (tlsKeyPath == nil) else {
            throw ServerConfigError("tls.certificatePath and tls.keyPath go together")
        }
        if let hash = service.adminTokenHash, let problem = AdminToken.problem(withVerifier: hash) {
            throw ServerConfigError(problem)
        }
    }
}

extension ServerConfig {
    /// `maxConnections`, lowered to fit the open-file limit `descriptors` less a reserve for storage
    /// and listeners: beyond it `accept` would fail and the server would stop taking connections at all.
    public func effectiveMaxConnections(descriptors: UInt64) -> Int {
        let room = descriptors > UInt64(FileDescriptorLimit.reserve * 2) ? Int(clamping: descriptors) - FileDescriptorLimit.reserve : Int(clamping: descriptors / 2)
        return max(1, min(maxConnections, room))
    }
}

/// A configuration that cannot be used, with the key at fault in the message.
public struct ServerConfigError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
