import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import Foundation

/// `fieldsync sync`: one round now, whatever the daemon's schedule.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync this terminal now: push the outbox, pull until caught up.",
        discussion: """
            Enrolls first when the store is new and the configuration holds an enrollmentToken. Safe to \
            interrupt: the next sync finishes the job with nothing lost or duplicated. Progress goes to \
            stderr; the summary to stdout.

            Examples:
              fieldsync sync
              fieldsync sync --config /etc/fieldsync/fieldsync-client.json --json
            """)

    @OptionGroup var terminal: TerminalOptions

    func run() async throws {
        let session = try terminal.session()
        if try await session.enrollIfNeeded() {
            let identity = try session.store.identity
            Output.progress("enrolled as \(identity?.replica.rawValue ?? "?") at station \(identity?.station.rawValue ?? "?")")
        }
        let quiet = terminal.json
        let report = try await session.engine.syncUntilCaughtUp { report in
            if !quiet {
                Output.progress("after \(report.roundTrips) round trips: \(report.pushed) pushed, \(report.pulled) pulled")
            }
        }
        var status = try session.status(state: .idle)
        // Shared with the daemon's status file, so `fieldsync status` shows this round too.
        let now = WallClock.milliseconds(Date())
        if let previous = try? SyncStatus.read(from: session.config.statusFile) { status.state = previous.state }
        status.lastAttemptAt = now
        status.lastSuccessAt = now
        status.lastReport = report
        try? status.write(to: session.config.statusFile)
        if terminal.json {
            try Output.json(SyncSummary(report: report, outbox: status.outbox, conflicts: status.conflicts,
                                        rejectedChanges: status.rejectedChanges, leaseRemaining: status.leaseRemaining))
        } else {
            Output.lines([
                "Synced in \(report.roundTrips) round trips: pushed \(report.pushed) (accepted \(report.accepted), "
                    + "rejected \(report.rejected)), pulled \(report.pulled).",
                "Outbox \(status.outbox), conflicts \(status.conflicts), rejected changes \(status.rejectedChanges), "
                    + "receipt numbers left \(status.leaseRemaining)" + (report.leaseRenewed ? " (lease renewed)." : "."),
            ] + (report.conflicted.isEmpty ? [] : ["New conflicts: " + report.conflicted.map(\.rawValue).joined(separator: ", "),
                                                   "See them with `fieldsync conflicts show RECORD`."]))
        }
        if report.rejected > 0 || !report.conflicted.isEmpty {
            if !terminal.json {
                Output.lines(["Some changes were refused or conflict: see `fieldsync status` and `fieldsync conflicts list`."])
            }
            throw ExitCode(CLIFailure.refused)
        }
    }

    struct SyncSummary: Encodable {
        var report: SyncEngine.Report
        var outbox: Int
        var conflicts: Int
        var rejectedChanges: Int
        var leaseRemaining: Int64
    }
}
