import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import Foundation

/// `fieldsync conflicts ...`: concurrent values, on this terminal's store or (with --server) the server's.
struct ConflictsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts",
        abstract: "List, explain and resolve concurrent values.",
        discussion: """
            A conflict is a field holding values written concurrently. Most are decided by the field's \
            policy (the losing values stay visible until a later write covers them); manual fields wait \
            for a person. Resolving is an ordinary write: it syncs like any other.
            """,
        subcommands: [List.self, Show.self, Resolve.self])

    /// Where to read conflicts: the terminal store by default, the server's admin API with --server-wide.
    struct Source: ParsableArguments {
        @Flag(name: .customLong("server-wide"), help: "Read the server's conflicts (admin API) instead of this terminal's.")
        var serverWide = false
        @OptionGroup var terminal: TerminalOptions
        @OptionGroup(title: "With --server-wide") var admin: AdminOptions
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List records with concurrent values.",
            discussion: """
                Exit status 4 when at least one conflict waits for a person.

                Examples:
                  fieldsync conflicts list
                  fieldsync conflicts list --decided
                  fieldsync conflicts list --server-wide --json
                """)

        @OptionGroup var source: Source
        @Flag(help: "Also list concurrent edits a rule decided (this terminal only).") var decided = false

        func run() async throws {
            var conflicts: [ConflictDescription]
            if source.serverWide {
                conflicts = try await source.admin.client().get("/conflicts", as: [ConflictDescription].self)
            } else {
                let store = try source.terminal.session().store
                conflicts = try store.conflictedRecords().compactMap { try store.describeConflict($0.id) }
                if decided {
                    conflicts += try store.autoResolved().filter { described in !conflicts.contains { $0.id == described.id } }
                }
            }
            if source.terminal.json {
                try Output.json(conflicts)
            } else {
                Output.lines(conflicts.isEmpty ? ["No conflicts."] : Text.table(
                    ["record", "type", "fields", "state"],
                    conflicts.map { conflict in
                        [conflict.id.rawValue, conflict.type.rawValue, conflict.fields.map(\.name).joined(separator: ","),
                         conflict.needsPerson ? "NEEDS A PERSON" : "decided by policy"]
                    }))
            }
            // The same status whatever the output format: scripts branch on it.
            if conflicts.contains(where: \.needsPerson) { throw ExitCode(CLIFailure.refused) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the competing values side by side, who wrote them, and what the policy decided.",
            discussion: """
                With --server-wide, device names come from the server and the record's causal history \
                follows (every accepted change).

                Examples:
                  fieldsync conflicts show 5616524d-126c-4192-90f2-1f6a4c0e1bc7
                  fieldsync conflicts show 5616524d-126c-4192-90f2-1f6a4c0e1bc7 --server-wide
                """)

        @OptionGroup var source: Source
        @Argument(help: "The record id.") var id: String

        func run() async throws {
            var names: [ReplicaID: String] = [:]
            var history: [HistoryEntry] = []
            var context: VersionVector?
            let conflict: ConflictDescription?
            if source.serverWide {
                let admin = try source.admin.client()
                conflict = try await admin.get("/conflicts/\(id)", as: ConflictDescription.self)
                names = Dictionary(try await admin.get("/devices", as: [Device].self).map { ($0.replica, $0.name) },
                                   uniquingKeysWith: { first, _ in first })
                history = try await admin.get("/records/\(id)/history", query: [URLQueryItem(name: "reason", value: "conflicts show")],
                                              as: [HistoryEntry].self)
            } else {
                let store = try source.terminal.session().store
                guard try store.record(RecordID(id)) != nil else {
                    throw CLIFailure(CLIFailure.notFound, "no record \(id) on this terminal. List conflicts with `fieldsync conflicts list`.")
                }
                conflict = try store.describeConflict(RecordID(id))
                if let identity = try store.identity { names[identity.replica] = "this terminal" }
                context = try store.record(RecordID(id))?.state.context
            }
            guard let conflict else {
                if source.terminal.json { return try Output.json([String: String]()) }
                return Output.lines(["\(id) holds no concurrent values."])
            }
            if source.terminal.json { return try Output.json(conflict) }
            var lines = ConflictText.lines(conflict, deviceName: { names[$0] })
            if let context { lines += [""] + ConflictText.context(context, deviceName: { names[$0] }) }
            if !history.isEmpty {
                lines += ["", "Causal history (accepted changes):"] + Text.table(
                    ["seq", "accepted at", "device", "officers", "fields"],
                    history.map { [String($0.sequence), Text.time($0.at), names[$0.replica] ?? $0.replica.rawValue,
                                   $0.authors.map(\.rawValue).joined(separator: ","), $0.delta.fields.keys.joined(separator: ",")] })
            }
            Output.lines(lines)
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a conflict: take one side, or write a value, per field.",
            discussion: """
                --take field=N keeps the N-th value as `conflicts show` lists it (1 = first); --set \
                field=value writes a new value (JSON allowed). Either way the write covers every competing \
                value, so the conflict ends everywhere once it syncs. On a terminal the write waits for \
                the next sync; with --server-wide an administrator decides on the server (the read and the \
                write are audited, --reason is required) and every terminal pulls the decision.

                Examples:
                  fieldsync conflicts resolve 5616... --officer KH2001 --take narrative=2
                  fieldsync conflicts resolve 5616... --officer KH2001 --set narrative="Both"
                  fieldsync conflicts resolve 5616... --field narrative --value "Agreed text"
                  fieldsync conflicts resolve 5616... --server-wide --officer KH9001 --take narrative=1 \\
                      --reason "reporter confirmed by phone"
                """)

        @OptionGroup var source: Source
        var terminal: TerminalOptions { source.terminal }
        @Option(help: "With --server-wide: why (recorded in the audit chain).") var reason: String?
        @Argument(help: "The record id.") var id: String
        @Option(help: "The officer making the decision.") var officer: String?
        @Option(help: "field=N: keep the N-th listed value of the field.") var take: [String] = []
        @Option(name: .customLong("set"), help: "field=value: write this value.") var assignments: [String] = []
        @Option(help: "Shorthand with --value: the field to resolve.") var field: String?
        @Option(help: "Shorthand with --field: the value to write.") var value: String?

        func validate() throws {
            for choice in take {
                let parts = choice.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let number = Int(parts[1]), number >= 1 else {
                    throw ValidationError("--take takes field=N, N counting the values `conflicts show` lists from 1 (got '\(choice)')")
                }
            }
            guard (field == nil) == (value == nil) else { throw ValidationError("--field and --value go together") }
            try FieldAssignment.validate(assignments + (field.map { ["\($0)=\(value ?? "")"] } ?? []))
            guard !take.isEmpty || !assignments.isEmpty || field != nil else {
                throw ValidationError("say how to resolve: --take field=N or --set field=value")
            }
            if source.serverWide {
                guard officer != nil else { throw ValidationError("--server-wide needs --officer: every write names an officer") }
                guard let reason, !reason.isEmpty else {
                    throw ValidationError("--server-wide needs --reason: it goes into the audit chain")
                }
            }
        }

        func run() async throws {
            if source.serverWide { return try await resolveOnServer() }
            let session = try terminal.session()
            let author = try terminal.officer(officer, session.config, signedIn: session.store.signedInOfficer)
            let store = session.store
            let recordID = RecordID(id)
            guard let conflict = try store.describeConflict(recordID) else {
                throw CLIFailure(CLIFailure.notFound, "\(id) holds no concurrent values on this terminal")
            }
            var record: FieldSyncStore.StoredRecord?
            for decision in try decisions(for: conflict) {
                switch decision {
                case .take(let field, let entry):
                    record = try store.resolveConflict(recordID, field: field, choosing: entry.dot, by: author)
                case .write(let field, let value):
                    record = try store.resolveConflict(recordID, field: field, value: value, by: author)
                }
            }
            guard let record else { return }
            if terminal.json { return try Output.json(RecordView(record)) }
            Output.lines(["Resolved (pending sync; run `fieldsync sync` or let the daemon do it):"] + RecordView.lines(record))
        }

        /// One field's decision: keep a listed value, or write a new one.
        enum Decision {
            case take(String, FieldEntry)
            case write(String, FieldValue)
        }

        /// The decisions the options ask for, `--take` first, then `--set` and `--field/--value`, checked
        /// against `conflict` as `conflicts show` lists it.
        private func decisions(for conflict: ConflictDescription) throws -> [Decision] {
            var decisions: [Decision] = try take.map { choice in
                let parts = choice.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let index = Int(parts[1]),
                      let described = conflict.fields.first(where: { $0.name == parts[0] }),
                      described.candidates.indices.contains(index - 1) else {
                    throw CLIFailure(CLIFailure.usage, "--take \(choice): name a conflicted field and a listed value number")
                }
                return .take(parts[0], described.candidates[index - 1])
            }
            var values = try assignments.map(FieldAssignment.init)
            if let field, let value { values.append(try FieldAssignment("\(field)=\(value)")) }
            decisions += values.map { .write($0.field, $0.value) }
            return decisions
        }

        /// The administrator's path: the server writes the decision as its own replica, in the officer's name.
        /// `validate()` made sure of `--officer` and `--reason`.
        private func resolveOnServer() async throws {
            let officer = officer ?? "", reason = reason ?? ""
            let admin = try source.admin.client()
            let path = "/records/\(id)"
            let conflict = try await admin.get("/conflicts/\(id)", as: ConflictDescription.self)
            var results: [RecordResult] = []
            for decision in try decisions(for: conflict) {
                let (field, value): (String, FieldValue) = switch decision {
                case .take(let field, let entry): (field, entry.value)
                case .write(let field, let value): (field, value)
                }
                results.append(try await admin.post(path + "/resolve", ConflictResolution(
                    field: field, value: value, officer: OfficerID(officer), reason: reason), as: RecordResult.self))
            }
            if terminal.json { try Output.json(results) } else {
                Output.lines(results.map { result in
                    switch result.outcome {
                    case .accepted(let seq): "Resolved on the server (change \(seq)); terminals receive it on their next sync."
                    case .rejected(let rejection, _): "Refused: \(rejection)"
                    }
                })
            }
            if results.contains(where: { if case .rejected = $0.outcome { true } else { false } }) {
                throw ExitCode(CLIFailure.refused)
            }
        }
    }
}
