import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import FieldSyncStore
import Foundation

/// `fieldsync officer add|login|logout|list|remove`: who may unlock this terminal, and who has.
struct OfficerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "officer",
        abstract: "Sign in and out of this terminal, and manage the officers who may unlock it.",
        discussion: """
            The store's records are sealed under a data key that lies on the disk only wrapped, once per \
            officer, by a key scrypt derives from the officer's PIN or passphrase. Signing in unwraps it \
            into a session file in sessionDirectory (RAM-only, e.g. /run/fieldsync), which the daemon and \
            the other commands use; signing out removes it. Every write must name the officer signed in.

            The PIN is read without echo from the terminal, or as the first line of stdin when stdin is \
            not a terminal, or from --pin-file (provisioning scripts; keep such a file on a tmpfs).

            Examples:
              fieldsync officer add --first --officer KH1001   # creates the store (or seals a v3 one)
              fieldsync officer login --officer KH1001
              fieldsync officer add --officer KH1002           # as the officer signed in
              fieldsync officer logout
            """,
        subcommands: [Add.self, Login.self, Logout.self, List.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let an officer unlock this terminal (needs the officer signed in, or --first).")
        @OptionGroup var terminal: TerminalOptions
        @Option(help: "The badge number of the officer to add.") var officer: String
        @Option(help: "Read the new officer's PIN from the first line of this file.") var pinFile: String?
        @Flag(help: "Create the store with this officer as its first (and signed in). Seals a v3 store with keyFile.")
        var first = false

        func run() throws {
            let config = try terminal.loadConfig()
            let badge = OfficerID(officer)
            let pin = try PIN.read("New PIN or passphrase for \(officer): ", file: pinFile)
            if first {
                let store = try TerminalStore(path: config.storePath, access: .create(officer: badge, passphrase: pin),
                                              keys: try config.storeKeys(), registry: FieldSyncCommand.registry)
                try store.close()
                Output.lines(["Created the store \(config.storePath); \(officer) can unlock it and is signed in."])
            } else {
                let store = try terminal.session().store
                try store.addOfficer(badge, passphrase: pin)
                try store.close()
                Output.lines(["\(officer) can now unlock this terminal (added by \(store.signedInOfficer?.rawValue ?? "?"))."])
            }
        }
    }

    struct Login: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign in: unlock the terminal for the daemon and the commands.")
        @OptionGroup var terminal: TerminalOptions
        @Option(help: "Your badge number.") var officer: String
        @Option(help: "Read the PIN from the first line of this file.") var pinFile: String?

        func run() throws {
            let config = try terminal.loadConfig()
            let pin = try PIN.read("PIN or passphrase for \(officer): ", file: pinFile)
            let store = try TerminalStore(path: config.storePath, access: .signIn(officer: OfficerID(officer), passphrase: pin),
                                          keys: try config.storeKeys(), registry: FieldSyncCommand.registry)
            try store.close()
            Output.lines(["\(officer) is signed in; the session is in \(config.sessionDirectory)."])
        }
    }

    struct Logout: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign out: the session file is removed; the terminal is locked.")
        @OptionGroup var terminal: TerminalOptions

        func run() throws {
            let config = try terminal.loadConfig()
            let store = try TerminalStore(path: config.storePath, access: .locked, keys: try config.storeKeys(), registry: FieldSyncCommand.registry)
            try store.signOut()
            try store.close()
            Output.lines(["Signed out: the terminal is locked."])
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The officers who may unlock this terminal, and who is signed in.")
        @OptionGroup var terminal: TerminalOptions

        func run() throws {
            let config = try terminal.loadConfig()
            let store = try TerminalStore(path: config.storePath, access: .locked, keys: try config.storeKeys(), registry: FieldSyncCommand.registry)
            defer { try? store.close() }
            try? store.refreshSession()
            let officers = try store.officers()
            if terminal.json {
                return try Output.json(["officers": officers.map(\.rawValue), "signedIn": store.signedInOfficer.map { [$0.rawValue] } ?? []])
            }
            Output.lines(officers.map { $0.rawValue + ($0 == store.signedInOfficer ? "  (signed in)" : "") })
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop an officer from unlocking this terminal (as the officer signed in).")
        @OptionGroup var terminal: TerminalOptions
        @Option(help: "The badge number of the officer to remove.") var officer: String

        func run() throws {
            let store = try terminal.session().store
            defer { try? store.close() }
            try store.removeOfficer(OfficerID(officer))
            Output.lines(["\(officer) can no longer unlock this terminal."])
        }
    }
}

/// A PIN from a file, the keyboard (no echo) or the first line of stdin.
enum PIN {
    static func read(_ prompt: String, file: String?) throws -> String {
        let pin: String?
        if let file {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw CLIFailure(CLIFailure.usage, "cannot read the PIN file \(file)")
            }
            pin = String(decoding: contents, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
        } else if isatty(STDIN_FILENO) != 0 {
            pin = getpass(prompt).map { String(cString: $0) }
        } else {
            pin = readLine(strippingNewline: true)
        }
        guard let pin, !pin.isEmpty else { throw CLIFailure(CLIFailure.usage, "no PIN or passphrase was given") }
        return pin
    }
}
