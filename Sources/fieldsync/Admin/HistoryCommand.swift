import ArgumentParser
import FieldSyncCore
import FieldSyncServer
import Foundation

/// `fieldsync history RECORD`: every accepted change of a record, from the server's append-only history.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Every accepted change of a record: who, when, from which device, which fields.",
        discussion: """
            Reads the server's append-only history through the admin API; the read itself is audited, \
            with the reason you give.

            Examples:
              fieldsync history 5616524d-126c-4192-90f2-1f6a4c0e1bc7 --reason "case review"
              fieldsync history 5616524d-126c-4192-90f2-1f6a4c0e1bc7 --reason "case review" --json | jq '.[].authors'
            """)

    @OptionGroup var admin: AdminOptions
    @Flag(help: "Print JSON instead of text.") var json = false
    @Argument(help: "The record id.") var record: String
    @Option(help: "Why you read this record (required; kept in the audit chain).") var reason: String

    func run() async throws {
        let client = try admin.client()
        let entries = try await client.get("/records/\(record)/history", query: [URLQueryItem(name: "reason", value: reason)],
                                           as: [HistoryEntry].self)
        if json { return try Output.json(entries) }
        guard !entries.isEmpty else {
            throw CLIFailure(CLIFailure.notFound, "the server has no accepted change of \(record)")
        }
        let devices = try await client.get("/devices", as: [Device].self)
        let names = Dictionary(devices.map { ($0.replica, $0.name) }, uniquingKeysWith: { first, _ in first })
        Output.lines(["History of \(record): \(entries.count) accepted changes"] + Text.table(
            ["seq", "accepted at", "device", "officers", "fields written"],
            entries.map { entry in
                [String(entry.sequence), Text.time(entry.at), names[entry.replica] ?? entry.replica.rawValue,
                 entry.authors.map(\.rawValue).joined(separator: ","), entry.delta.fields.keys.joined(separator: ",")]
            }))
    }
}
