import ArgumentParser

struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "daemon", abstract: "Keep this terminal in sync (not yet implemented).")
    func run() async throws { throw CLIFailure(CLIFailure.failure, "the daemon is not implemented yet") }
}
