import ArgumentParser
import Foundation

/// `fieldsync demo`: the whole system in one process, for a newcomer. See `DemoScenario`.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a server and six offline terminals of two stations, reconnect them, prove convergence.",
        discussion: """
            Starts a FieldSync server on a temporary SQLite file on loopback, enrolls six simulated \
            terminals of two police stations (each with its own SQLite store), lets them work offline \
            (patrol sign-ins, a household visit written by two officers, an incident received at one \
            station and transferred to the other while both edit it), reconnects them all at once over \
            real HTTP, then proves that every terminal holds exactly the records it may see, identical \
            to the server's. It shows each conflict, how it was resolved, and verifies the audit chain. \
            Everything is deleted afterwards. Takes a few seconds.

            Exit status: 0 converged; 1 something did not converge (the problems are listed).

            Examples:
              fieldsync demo
              fieldsync demo --json | jq .terminals
            """)

    @Flag(help: "Print the outcome as JSON instead of the narration.")
    var json = false

    func run() async throws {
        let json = self.json
        let scenario = DemoScenario(say: { line in
            guard !json else { return }
            let wrapped = line.split(separator: "\n", omittingEmptySubsequences: false).flatMap { Text.wrap(String($0)) }
            FileHandle.standardOutput.write(Data((wrapped.joined(separator: "\n") + "\n").utf8))
        })
        let outcome = try await scenario.run()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(outcome) + Data("\n".utf8))
        }
        if !outcome.converged { throw ExitCode(1) }
    }
}
