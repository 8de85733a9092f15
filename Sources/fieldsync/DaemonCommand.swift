import ArgumentParser
import FieldSyncClient
import FieldSyncStore
import Foundation
import Logging
import ServiceLifecycle

/// `fieldsync daemon`: keeps this terminal in sync (see `SyncDaemon`), under a ServiceGroup that turns
/// SIGTERM and SIGINT into a graceful stop.
struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Keep this terminal in sync: on local changes, on a timer, and after outages.",
        discussion: """
            Enrolls on first start when the configuration holds an enrollmentToken. Syncs at start, \
            whenever a local write lands in the outbox, and every syncIntervalSeconds; after a failure \
            it retries with exponential backoff and full jitter (at least the server's retry-after), so \
            a city's terminals do not reconnect in lockstep. Writes statusFile after every round for \
            `fieldsync status`. Logs go to stderr as key=value lines. SIGTERM lets the round in flight \
            finish, then exits 0. A revoked terminal wipes its store and exits 1. It also exits 1, \
            without retrying, when the terminal is not enrolled and has no enrollmentToken.

            The daemon holds no key of its own: it syncs while an officer is signed in (`fieldsync \
            officer login`, a session in sessionDirectory) and follows sign-ins and sign-outs before \
            each round. While nobody is signed in, or before the store's first officer created it, it \
            waits, with state `locked` in its status; the outbox is kept.

            Examples:
              fieldsync daemon --config /etc/fieldsync/fieldsync-client.json
              systemctl start fieldsync-daemon   # see ClientConfig/fieldsync-daemon.service
            """)

    @Option(help: "The terminal's configuration file (see ClientConfig/README.md).")
    var config = "ClientConfig/fieldsync-client.json"

    func run() async throws {
        let settings = try ClientConfig.load(path: config)
        var logger = Logger(label: "fieldsync.daemon")
        logger.logLevel = settings.loggerLevel
        let log = logger
        let session = try await Self.openLocked(settings, logger: log)
        let store = session.store
        let daemon = SyncDaemon(
            round: {
                try store.refreshSession()
                if try await session.enrollIfNeeded() {
                    let replica = try store.identity?.replica.rawValue ?? "?"
                    log.notice("enrolled", metadata: ["replica": "\(replica)"])
                }
                return try await session.engine.syncUntilCaughtUp()
            },
            snapshot: { try session.status(state: .idle) },
            statusFile: settings.statusFile,
            timing: .init(interval: .milliseconds(Int64(max(settings.syncIntervalSeconds, 1) * 1_000)), backoff: settings.backoff),
            logger: logger)
        let watcher = OutboxWatcher(store: store, daemon: daemon)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: daemon), .init(service: watcher, successTerminationBehavior: .ignore,
                                                     failureTerminationBehavior: .ignore)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("sync daemon started", metadata: ["server": "\(settings.serverURL)", "store": "\(settings.storePath)"])
        try await group.run()
        if (try? SyncStatus.read(from: settings.statusFile))?.state == .revoked {
            throw CLIFailure(CLIFailure.failure, "this terminal was revoked; its store has been wiped")
        }
    }

    /// The terminal without a key; before the store exists (no officer has created it yet), the daemon
    /// says `locked` and looks again every two seconds.
    static func openLocked(_ settings: ClientConfig, logger: Logger) async throws -> TerminalSession {
        var announced = false
        while true {
            do {
                return try TerminalSession(config: settings, access: .locked, registry: FieldSyncCommand.registry)
            } catch let error as StoreError where error.code == .noStore {
                if !announced {
                    logger.notice("no store yet: waiting for its first officer (`fieldsync officer add --first`)")
                    try? SyncStatus(state: .locked, deviceName: settings.deviceName, lastError: error.message).write(to: settings.statusFile)
                    announced = true
                }
                try await Task.sleep(for: .seconds(2))
            }
        }
    }
}
