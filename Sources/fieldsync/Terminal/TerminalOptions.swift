import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import FieldSyncStore
import Foundation

/// Options shared by the commands that work on this terminal's store.
struct TerminalOptions: ParsableArguments {
    @Option(help: "The terminal's configuration file (see ClientConfig/README.md).")
    var config = "ClientConfig/fieldsync-client.json"

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func loadConfig() throws -> ClientConfig { try ClientConfig.load(path: config) }

    /// The terminal with the session of the officer signed in (`fieldsync officer login`), knowing the
    /// record types of `FieldSyncCommand.registry`.
    func session(access: StoreAccess = .session) throws -> TerminalSession {
        try TerminalSession(config: try loadConfig(), access: access, registry: FieldSyncCommand.registry)
    }

    /// The officer a write names: `--officer`, else the configuration's defaultOfficer, else the officer
    /// signed in. The store refuses a write naming anybody but the officer signed in.
    func officer(_ option: String?, _ config: ClientConfig, signedIn: OfficerID? = nil) throws -> OfficerID {
        guard let badge = option ?? config.defaultOfficer ?? signedIn?.rawValue, !badge.isEmpty else {
            throw CLIFailure(CLIFailure.usage, "every write names the officer who made it: sign in "
                + "(`fieldsync officer login`) or pass --officer BADGE")
        }
        return OfficerID(badge)
    }
}

/// Writes text lines (wrapped at 80 columns) or a JSON document to stdout.
enum Output {
    /// Every line is printed with its control characters escaped (`FreeText.escaped`): device names,
    /// reasons and record values come from terminals and the database, and must not drive the terminal
    /// they are shown on. A line break inside a line still breaks it.
    static func lines(_ lines: [String]) {
        let wrapped = lines.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false) }
            .flatMap { Text.wrap(FreeText.escaped(String($0))) }
        FileHandle.standardOutput.write(Data((wrapped.joined(separator: "\n") + "\n").utf8))
    }

    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encode(value) + Data("\n".utf8))
    }

    /// Progress goes to stderr, so that stdout stays clean for `--json`.
    static func progress(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
