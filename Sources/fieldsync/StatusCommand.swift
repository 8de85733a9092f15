import ArgumentParser
import FieldSyncClient
import FieldSyncStore
import Foundation

/// `fieldsync status`: the daemon's last round (from its status file) and the store as it is now.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the last sync, the outbox, conflicts, rejected changes and receipt numbers left.",
        discussion: """
            Reads the daemon's status file (statusFile in the configuration) and the store itself, so it \
            works whether or not the daemon runs, and whether or not an officer is signed in (the counts \
            need no key; `locked` means nobody is signed in).

            Examples:
              fieldsync status
              fieldsync status --json | jq .outbox
            """)

    @OptionGroup var terminal: TerminalOptions

    func run() async throws {
        let session = try terminal.session(access: .locked)
        try? session.store.refreshSession()
        var status = try session.addingDeadlines(to: try session.status(state: .idle))
        let daemon = try? SyncStatus.read(from: session.config.statusFile)
        if let daemon, status.state != .locked {
            status.state = daemon.state
            status.lastAttemptAt = daemon.lastAttemptAt
            status.lastSuccessAt = daemon.lastSuccessAt
            status.lastError = daemon.lastError
            status.consecutiveFailures = daemon.consecutiveFailures
            status.nextAttemptAt = daemon.nextAttemptAt
            status.lastReport = daemon.lastReport
        }
        if terminal.json { return try Output.json(status) }
        let identity = try? session.store.identity
        Output.lines([
            "Terminal     \(session.config.deviceName)" + (status.signedIn == nil ? " (locked)"
                : identity.map { " (replica \($0.replica.rawValue), station \($0.station.rawValue))" } ?? " (not enrolled)"),
            "Signed in    " + (status.signedIn ?? "nobody: the store is locked (`fieldsync officer login`)"),
            "Daemon       " + (daemon == nil ? "no status file at \(session.config.statusFile)" : status.state.rawValue),
            "Last sync    " + (status.lastSuccessAt.map(Text.time) ?? "never"),
            "Last error   " + (status.lastError ?? "none")
                + (status.consecutiveFailures > 0 ? " (\(status.consecutiveFailures) failures in a row)" : ""),
            "Next attempt " + (status.nextAttemptAt.map(Text.time) ?? "-"),
            "Outbox       \(status.outbox) records waiting to be pushed",
            "Conflicts    \(status.conflicts)" + (status.conflicts > 0 ? "  (fieldsync conflicts list)" : ""),
            "Deadlines    " + (status.overdueDeadlines.map { overdue in
                "\(overdue) overdue, \(status.deadlinesDueWithinHour ?? 0) due within the hour"
                    + (overdue + (status.deadlinesDueWithinHour ?? 0) > 0 ? "  (fieldsync cases due)" : "")
            } ?? "unknown while locked"),
            "Rejected     \(status.rejectedChanges)" + (status.rejectedChanges > 0 ? "  (kept; see fieldsync record list --rejected)" : ""),
            "Held         \(status.heldRecords ?? 0)" + ((status.heldRecords ?? 0) > 0
                ? "  (pulled records this version cannot store, kept whole: upgrade FieldSync)" : ""),
            "Receipts     \(status.leaseRemaining) numbers left in the lease",
            "Audit head   " + (try session.store.auditCheckpoint.map { "entry \($0.sequence), signed \(Text.time($0.at)) (key \($0.keyID))" }
                ?? "none kept yet"),
        ] + (try session.store.auditCheckpointWarning.map { warning in
            ["Audit WARNING the server's checkpoint at entry \(warning.checkpoint.sequence) was refused (\(warning.problem.rawValue)) "
                + "at \(Text.time(warning.at)); report it and keep this terminal's store"]
        } ?? []))
    }
}
