import ArgumentParser
import FieldSyncCore
import Foundation

@main
struct FieldSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldsync",
        abstract: "Offline-first sync for police field records.",
        discussion: """
            New here? Run `fieldsync demo`: a server and six offline terminals in one process, then proof \
            that they converge.

            Terminal commands (officer, sync, status, record, conflicts, cases, daemon) read the terminal's configuration \
            (--config, default ClientConfig/fieldsync-client.json). Server-side commands (admin, history, \
            audit, conflicts --server-wide) talk to the server's admin API with an admin token \
            (--admin-token or FIELDSYNC_ADMIN_TOKEN). Every command takes --json for scripts.

            \(CLIFailure.helpText)
            """,
        subcommands: [DemoCommand.self, ServerCommand.self, DaemonCommand.self, OfficerCommand.self, SyncCommand.self, StatusCommand.self,
                      RecordCommand.self, ConflictsCommand.self, CasesCommand.self, HistoryCommand.self, AuditCommand.self, AdminCommand.self])

    /// The record types the terminal commands know: the terminal's store opens with them, and
    /// `record add|list` take (and list in their help) exactly these. A deployment that declares a type
    /// of its own (README, "Adding a record type is a declaration") runs the commands inside
    /// `FieldSyncCommand.$registry.withValue(itsRegistry) { ... }`, as the tests do; its server must
    /// know the type too (`SyncService(registry:)`).
    @TaskLocal static var registry: SchemaRegistry = .standard

    /// Runs the command line and ends the process with the documented exit status (argument-parser
    /// alone would use 64 for usage and 1 for everything else).
    static func main() async {
        let termination = await run(Array(CommandLine.arguments.dropFirst()))
        termination.report()
        Foundation.exit(termination.status)
    }

    /// Parses and runs `arguments` (without the program name), and says how the process ends. Prints
    /// what the command prints, but not the final message: that is `Termination.report()`'s.
    static func run(_ arguments: [String]) async -> Termination {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            return termination(parsing: error)
        }
        do {
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            return Termination(status: 0)
        } catch {
            // `--help` and `help` parse to argument-parser's own help command, whose run throws the help.
            return declares(type(of: command)) ? termination(running: error) : termination(parsing: error)
        }
    }

    /// Whether `command` is one of fieldsync's commands, rather than one argument-parser supplies.
    static func declares(_ command: any ParsableCommand.Type) -> Bool {
        func within(_ declared: any ParsableCommand.Type) -> Bool {
            ObjectIdentifier(declared) == ObjectIdentifier(command) || declared.configuration.subcommands.contains(where: within)
        }
        return within(FieldSyncCommand.self)
    }

    /// An error from parsing, `validate()` included: argument-parser's to word. Help and version end
    /// with 0 on stdout, usage errors with 2. A `validate()` throws `ValidationError` only, for that.
    static func termination(parsing error: any Error) -> Termination {
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        switch code {
        case .success: return Termination(status: 0, message: message, toStandardOutput: true)
        case .validationFailure: return Termination(status: CLIFailure.usage, message: message)
        default: return Termination(status: code.rawValue, message: message)
        }
    }

    /// An error from the `run()` of one of fieldsync's commands: argument-parser's own types (a status
    /// thrown as `ExitCode`, a help request, a late usage error) as parsing reports them; any other
    /// through `CLIFailure.describing`.
    static func termination(running error: any Error) -> Termination {
        switch error {
        case is ExitCode, is CleanExit, is ValidationError:
            return termination(parsing: error)
        default:
            let failure = CLIFailure.describing(error)
            return Termination(status: failure.status, message: "error: \(failure.description)")
        }
    }
}
