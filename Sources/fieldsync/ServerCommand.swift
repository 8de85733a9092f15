import ArgumentParser
import FieldSyncServer
import Foundation
import Logging
import ServiceLifecycle

/// `fieldsync server`: the central server. With no options it runs on a SQLite file in the working
/// directory and a loopback port, and says where.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the central sync server (protocol v1 over HTTP).",
        discussion: """
            Configuration comes from a JSON file (--config; every key is documented in ServerConfig/README.md), \
            then environment variables (FIELDSYNC_LISTEN_PORT, FIELDSYNC_STORAGE_PATH, FIELDSYNC_ADMIN_TOKEN_HASH, ...), \
            then these options. SIGTERM or SIGINT stops it gracefully: requests in flight finish, then it exits 0.

            Examples:
              fieldsync server
              fieldsync server --listen 0.0.0.0:8740 --database /var/lib/fieldsync/server.sqlite
              fieldsync server --config /etc/fieldsync/fieldsync-server.json
              fieldsync admin token     # prints a new administrator token and the verifier to configure
              FIELDSYNC_ADMIN_TOKEN_HASH=fsa1-sha256:... fieldsync server
            """)

    @Option(help: "A JSON configuration file (see ServerConfig/fieldsync-server.json).")
    var config: String?

    @Option(help: "Address to listen on, host:port (default 127.0.0.1:8740; port 0 picks a free port).")
    var listen: String?

    @Option(help: "The SQLite database file (created if missing; default ./fieldsync-server.sqlite).")
    var database: String?

    func validate() throws {
        if let listen, Self.hostAndPort(listen) == nil { throw ValidationError("--listen takes host:port, e.g. 127.0.0.1:8740") }
    }

    /// `host:port` split at its last colon (an IPv6 host keeps its own).
    static func hostAndPort(_ listen: String) -> (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else { return nil }
        return (String(listen[..<colon]), port)
    }

    func run() async throws {
        var settings = try await ServerConfig.load(path: config)
        if let listen, let address = Self.hostAndPort(listen) {
            settings.host = address.host
            settings.port = address.port
        }
        if let database { settings.databasePath = database }
        var logger = Logger(label: "fieldsync.server")
        logger.logLevel = settings.logLevel
        let storage = try openStorage(config: settings)
        let configuredPort = settings.port
        let running = settings
        let services = serverServices(storage: storage, config: settings, logger: logger, registry: FieldSyncCommand.registry, onReady: { service in
            if let signer = service.storage.auditSigner, let keyFile = running.auditSigningKeyFile {
                let path = URL(fileURLWithPath: keyFile).standardizedFileURL.path
                FileHandle.standardOutput.write(Data("Audit checkpoints signed with Ed25519 key \(signer.keyID) (\(path)); public key \(signer.publicKey)\n".utf8))
            } else {
                FileHandle.standardOutput.write(Data("Audit checkpoints are NOT signed: audit.signingKeyFile is empty\n".utf8))
            }
        }, onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuredPort
            // Written straight to the descriptor: stdout is block-buffered under systemd and pipes.
            FileHandle.standardOutput.write(Data((Self.banner(running, port: port) + "\n").utf8))
        })
        // SIGTERM or SIGINT: the HTTP server stops accepting and finishes its requests, then the storage closes.
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                    logger: logger)).run()
    }

    /// The start line: the scheme the server really speaks, and the storage it really uses.
    static func banner(_ settings: ServerConfig, port: Int) -> String {
        let scheme = settings.tlsCertificatePath == nil ? "http" : "https"
        let storage = switch settings.backend {
        case .sqlite: "database " + URL(fileURLWithPath: settings.databasePath).standardizedFileURL.path
        case .postgres: "PostgreSQL " + (settings.postgresURL.map(PostgresStorage.redacted) ?? "")
        }
        let admin = settings.service.adminTokenHash == nil ? " (admin API disabled: no admin.tokenHash)" : ""
        return "FieldSync server listening on \(scheme)://\(settings.host):\(port), \(storage)\(admin)"
    }
}
