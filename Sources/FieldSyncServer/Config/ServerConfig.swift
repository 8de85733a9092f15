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
    public var logLevel = Logger.Level.info
    /// The Ed25519 key that signs audit checkpoints, kept outside the database; created (0600) when absent.
    /// nil (an empty `audit.signingKeyFile`) signs nothing.
    public var auditSigningKeyFile: String? = "fieldsync-audit-signing.key"
    /// Limits, the admin token hash and the rate limit, as the service uses them.
    public var service = SyncService.Settings()

    public init() {}

    /// Environment variables that override file keys: `FIELDSYNC_` then the key in upper snake case,
    /// e.g. `listen.port` → `FIELDSYNC_LISTEN_PORT`, `admin.tokenHash` → `FIELDSYNC_ADMIN_TOKEN_HASH`.
    public static let environmentPrefix = "FIELDSYNC_"

    /// Reads the JSON file at `path` (if given) with environment overrides on top.
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> ServerConfig {
        var scoped: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix(environmentPrefix) {
            scoped[String(name.dropFirst(environmentPrefix.count))] = value
        }
        var providers: [any ConfigProvider] = [EnvironmentVariablesProvider(environmentVariables: scoped)]
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
        service.maxBatchRecords = reader.int(forKey: "limits.maxBatchRecords", default: service.maxBatchRecords)
        service.pullPageCap = reader.int(forKey: "limits.pullPageCap", default: service.pullPageCap)
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
        guard service.maxBatchRecords >= 1, service.pullPageCap >= 1 else {
            throw ServerConfigError("limits.maxBatchRecords and limits.pullPageCap must be positive")
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
        if let hash = service.adminTokenHash {
            guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                throw ServerConfigError("admin.tokenHash must be the hex SHA-256 of the admin token (64 hex digits)")
            }
        }
    }
}

/// A configuration that cannot be used, with the key at fault in the message.
public struct ServerConfigError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
