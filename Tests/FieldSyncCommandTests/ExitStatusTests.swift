import ArgumentParser
@testable import fieldsync
import FieldSyncClient
import FieldSyncCore
import FieldSyncStore
import Foundation
import Testing

/// `main`'s mapping of every way a run ends to the exit statuses of README and `fieldsync --help`:
/// 0 success, 1 failure, 2 usage or configuration, 3 not found, 4 refused by the rules or a conflict
/// waits, 5 server unreachable or busy.
@Suite struct ExitStatusTests {
    struct Unforeseen: Error {}

    @Test func helpAndVersionEndWithZeroOnStandardOutput() async {
        for arguments in [["--help"], ["record", "add", "--help"], ["help", "conflicts", "resolve"], ["record"]] {
            let ending = await FieldSyncCommand.run(arguments)
            #expect(ending.status == 0 && ending.toStandardOutput && ending.message.contains("USAGE: fieldsync"), "\(arguments)")
        }
    }

    @Test func argumentParsersOwnHelpCommandIsNoneOfOurs() throws {
        #expect(FieldSyncCommand.declares(FieldSyncCommand.self) && FieldSyncCommand.declares(RecordCommand.VoidRecord.self))
        #expect(!FieldSyncCommand.declares(type(of: try FieldSyncCommand.parseAsRoot(["help", "record"]))))
    }

    @Test func usageErrorsEndWithTwoOnStandardError() async {
        let usage: [[String]] = [
            ["--no-such-flag"],
            ["no-such-command"],
            ["record", "show"],                                                    // a missing argument
            ["record", "add", "trafficTicket"],                                   // a type no schema declares
            ["record", "list", "--type", "ticket"],
            ["record", "add", "patrolSignIn", "--set", "method"],                  // validate(): --set field=value
            ["conflicts", "resolve", "r1"],                                       // validate(): how to resolve
            ["conflicts", "resolve", "r1", "--take", "narrative=first"],
            ["conflicts", "resolve", "r1", "--field", "narrative"],
            ["conflicts", "resolve", "r1", "--server-wide", "--officer", "KH9001", "--take", "narrative=1"],
            ["conflicts", "resolve", "r1", "--server-wide", "--reason", "checked", "--take", "narrative=1"],
            ["conflicts", "list", "--server-wide", "--server", "ftp://example"],
            ["admin", "devices", "--server", "not a url"],
            ["server", "--listen", "8740"],
            ["history", "r1"],                                                    // --reason is required
        ]
        for arguments in usage {
            let ending = await FieldSyncCommand.run(arguments)
            #expect(ending.status == CLIFailure.usage && !ending.toStandardOutput && ending.message.hasPrefix("Error: "),
                    "\(arguments): \(ending)")
        }
    }

    @Test func configurationErrorsEndWithTwo() async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-\(UUID().uuidString).json").path
        let ending = await FieldSyncCommand.run(["sync", "--config", missing])
        #expect(ending.status == CLIFailure.usage && ending.message.hasPrefix("error: cannot read the configuration"), "\(ending)")
    }

    @Test func anUnreachableServerEndsWithFive() async {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        let ending = await FieldSyncCommand.run(["admin", "devices", "--server", "http://127.0.0.1:1", "--admin-token", "fsa1-x"])
        #expect(ending.status == CLIFailure.unreachable, "\(ending)")
    }

    @Test func errorsThrownByRunMapToTheirStatus() {
        let cases: [(any Error, Int32)] = [
            (CLIFailure(CLIFailure.notFound, "no record r1"), 3),
            (StoreError(.notFound, "no record r1"), 3),
            (Rejection(.invalidValue, fields: ["method"], message: "'teleport' is not a method"), 4),
            (ExitCode(CLIFailure.refused), 4),
            (ClientError(.unreachable, "http://127.0.0.1:8740 did not answer"), 5),
            (ClientError(.configuration, "serverURL is not an http(s) URL"), 2),
            (ValidationError("--take takes field=N"), 2),
            (Unforeseen(), 1),
            (ExitCode.success, 0),
        ]
        for (error, status) in cases {
            #expect(FieldSyncCommand.termination(running: error).status == status, "\(error)")
        }
        #expect(FieldSyncCommand.termination(running: ExitCode(4)).message.isEmpty, "a thrown status says nothing more")
        #expect(FieldSyncCommand.termination(running: CLIFailure(3, "no record r1")).message == "error: no record r1")
        let clean = FieldSyncCommand.termination(running: CleanExit.message("fieldsync 1.0"))
        #expect(clean == Termination(status: 0, message: "fieldsync 1.0", toStandardOutput: true))
    }
}
