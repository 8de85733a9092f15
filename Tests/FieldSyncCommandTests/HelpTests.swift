import ArgumentParser
@testable import fieldsync
import Foundation
import Testing

/// The `--help` screen of every command, as checked-in text (swift-argument-parser's `AssertHelp`
/// style): a change to an option, an abstract or an example shows up here as a diff to review. When a
/// command's help changes on purpose, change its file in Help/ by hand with it; a command with no file,
/// or a file with no command, fails.
@Suite struct HelpTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Help")

    /// Every command of `fieldsync`, root first, each by its words (`fieldsync record add`).
    static func commands(_ command: any ParsableCommand.Type = FieldSyncCommand.self,
                         words: [String] = []) -> [(name: String, type: any ParsableCommand.Type)] {
        let words = words + [command._commandName]
        return [(words.joined(separator: " "), command)]
            + command.configuration.subcommands.flatMap { commands($0, words: words) }
    }

    static var names: [String] { commands().map(\.name) }

    /// The help as a person reads it at 80 columns. The admin API's `--server` default comes from
    /// FIELDSYNC_SERVER when it is set; the files hold the built-in default.
    static func help(_ name: String) throws -> String {
        let type = try #require(commands().first { $0.name == name }?.type)
        var text = FieldSyncCommand.helpMessage(for: type, columns: 80)
        if let server = ProcessInfo.processInfo.environment["FIELDSYNC_SERVER"] {
            text = text.replacingOccurrences(of: "(default: \(server))", with: "(default: http://127.0.0.1:8740)")
        }
        return text
    }

    static func file(_ name: String) -> URL {
        directory.appendingPathComponent(name.replacingOccurrences(of: " ", with: "-") + ".txt")
    }

    @Test(arguments: HelpTests.names)
    func theHelpOfEachCommandIsTheCheckedInText(_ name: String) throws {
        let expected = try String(contentsOf: Self.file(name), encoding: .utf8)
        let actual = try Self.help(name)
        #expect(actual == expected, "\(name) --help differs from Help/\(Self.file(name).lastPathComponent):\n\(actual)")
    }

    @Test func everyHelpFileNamesACommand() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".txt") }
        #expect(Set(files) == Set(Self.names.map { Self.file($0).lastPathComponent }))
    }

    @Test func recordTypesInHelpAreTheRegistrysOwn() {
        for command in [RecordCommand.Add.self, RecordCommand.List.self] as [any ParsableCommand.Type] {
            let help = FieldSyncCommand.helpMessage(for: command, columns: 400)
            #expect(help.contains("(values: householdVisit, incidentReport, patrolSignIn)"), "\(help)")
        }
    }
}
