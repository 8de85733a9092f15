import ArgumentParser
import Foundation

@main
struct FieldSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldsync",
        abstract: "Offline-first sync for police field records.",
        discussion: """
            New here? Run `fieldsync demo`: a server and six offline terminals in one process, then proof \
            that they converge.

            Terminal commands (officer, sync, status, record, conflicts, daemon) read the terminal's configuration \
            (--config, default ClientConfig/fieldsync-client.json). Server-side commands (admin, history, \
            audit, conflicts --server-wide) talk to the server's admin API with an admin token \
            (--admin-token or FIELDSYNC_ADMIN_TOKEN). Every command takes --json for scripts.

            \(CLIFailure.helpText)
            """,
        subcommands: [DemoCommand.self, ServerCommand.self, DaemonCommand.self, OfficerCommand.self, SyncCommand.self, StatusCommand.self,
                      RecordCommand.self, ConflictsCommand.self, HistoryCommand.self, AuditCommand.self, AdminCommand.self])

    /// Maps errors to the documented exit statuses (argument-parser alone would use 64 for usage and 1
    /// for everything else).
    static func main() async {
        do {
            var command = try parseAsRoot(nil)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error where error is CLIFailure || !(isArgumentParserError(error)) {
            let failure = CLIFailure.describing(error)
            FileHandle.standardError.write(Data("error: \(failure.description)\n".utf8))
            Foundation.exit(failure.status)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(CLIFailure.usage)
            }
            exit(withError: error)
        }
    }

    /// Help, version, `ExitCode` and parse errors are argument-parser's to report.
    private static func isArgumentParserError(_ error: any Error) -> Bool {
        if error is ExitCode || error is ValidationError || error is CleanExit { return true }
        return String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}
