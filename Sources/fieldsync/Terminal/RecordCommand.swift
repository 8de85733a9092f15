import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import FieldSyncStore
import Foundation

/// `fieldsync record ...`: local reads and writes on this terminal's store. Writes never wait for the
/// network; the next sync pushes them.
struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Add, show, list, void and annotate records in this terminal's store.",
        subcommands: [Add.self, Show.self, List.self, VoidRecord.self, Note.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a record (offline; the next sync pushes it).",
            discussion: """
                TYPE is a record type this terminal knows (listed under ARGUMENTS). Fields come from \
                --set field=value (JSON values allowed). Required fields left unset get defaults: now as \
                the time, the officer as sign-in officer or visiting officer, the station as a patrol's \
                unit and an incident's receiving unit; a receipt-number field (an incident report's, or \
                any type's unique field) gets the next number of the terminal's lease.

                Examples:
                  fieldsync record add patrolSignIn --officer KH1001 --set checkpoint=CP-7-ELEVEN-0042 --set method=qr
                  fieldsync record add householdVisit --officer KH1003 --set beat=KH.P03.S012.B07 \\
                    --set household=H-0417 --set subjectCategory=elderlyAlone --set visitKind=care
                  fieldsync record add incidentReport --officer KH1009 --set category=theft \\
                    --set severity=minor --set narrative="Scooter stolen" --json
                """)

        @OptionGroup var terminal: TerminalOptions
        @Argument(help: "The record type.") var type: RecordType
        @Option(help: "The officer making the write (badge number).") var officer: String?
        @Option(name: .customLong("set"), help: "field=value; repeat for each field.") var assignments: [String] = []

        func validate() throws {
            try FieldAssignment.validate(assignments)
        }

        func run() async throws {
            let session = try terminal.session()
            let author = try terminal.officer(officer, session.config, signedIn: session.store.signedInOfficer)
            let store = session.store
            guard let station = try store.identity?.station else {
                throw CLIFailure(CLIFailure.failure, "enroll this terminal first: `fieldsync sync` with an enrollmentToken in the configuration")
            }
            guard let schema = store.registry[type] else {
                throw CLIFailure(CLIFailure.usage, "this terminal's store knows no record type '\(type)'")
            }
            var fields = [String: FieldValue]()
            for assignment in try assignments.map(FieldAssignment.init) { fields[assignment.field] = assignment.value }
            let now = WallClock.milliseconds(Date())
            NewRecordDefaults(station: station, officer: author, now: now).fill(&fields, of: schema)
            let record = try store.create(type, fields.sorted { $0.key < $1.key }.map { .set($0.key, $0.value) }, by: author)
            if terminal.json { return try Output.json(RecordView(record)) }
            Output.lines(["Created (pending sync):"] + RecordView.lines(record))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one record with every field.",
            discussion: """
                Examples:
                  fieldsync record show 5616524d-126c-4192-90f2-1f6a4c0e1bc7
                  fieldsync record show 5616524d-126c-4192-90f2-1f6a4c0e1bc7 --json | jq .fields
                """)

        @OptionGroup var terminal: TerminalOptions
        @Argument(help: "The record id.") var id: String

        func run() async throws {
            guard let record = try terminal.session().store.record(RecordID(id)) else {
                throw CLIFailure(CLIFailure.notFound, "no record \(id) on this terminal. List records with `fieldsync record list`.")
            }
            if terminal.json { return try Output.json(RecordView(record)) }
            Output.lines(RecordView.lines(record))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List records, newest first; or the changes the server refused.",
            discussion: """
                Flags in the text output: C conflicted, P not yet synced.

                Examples:
                  fieldsync record list
                  fieldsync record list --type incidentReport --status transferred
                  fieldsync record list --pending --json
                  fieldsync record list --rejected
                """)

        @OptionGroup var terminal: TerminalOptions
        @Option(help: "Only this record type.") var type: RecordType?
        @Option(help: "Only records in this lifecycle state.") var status: String?
        @Flag(help: "Only records with a conflict.") var conflicted = false
        @Flag(help: "Only records not yet pushed.") var pending = false
        @Flag(help: "The changes the server refused (kept for a person to act on), instead of records.") var rejected = false
        @Option(help: "At most this many records.") var limit: Int?

        func run() async throws {
            let store = try terminal.session().store
            if rejected {
                let changes = try store.rejectedChanges()
                if terminal.json {
                    return try Output.json(changes.map { RejectedView(id: $0.id, record: $0.recordID.rawValue, type: $0.type.rawValue,
                                                                      code: $0.rejection.code.rawValue, message: $0.rejection.message,
                                                                      rejectedAt: $0.rejectedAt, localState: $0.localState) })
                }
                return Output.lines(changes.isEmpty ? ["No rejected changes."] : Text.table(
                    ["when", "record", "reason"],
                    changes.map { [Text.time($0.rejectedAt), $0.recordID.rawValue, "\($0.rejection.code.rawValue): \($0.rejection.message)"] }))
            }
            let filter = RecordFilter(types: type.map { [$0] } ?? [], statuses: status.map { [$0] } ?? [],
                                      conflictedOnly: conflicted, pendingPushOnly: pending, limit: limit)
            let records = try store.records(filter)
            if terminal.json { return try Output.json(records.map(RecordView.init)) }
            Output.lines(records.isEmpty ? ["No records match."]
                         : Text.table(["id", "type", "status", "CP", "receipt, place"], records.map(RecordView.summary)))
        }

        struct RejectedView: Encodable {
            var id: Int64
            var record, type, code, message: String
            var rejectedAt: Int64
            var localState: RecordState
        }
    }

    /// `record void` (not named `Void`, which would shadow `Swift.Void` inside `RecordCommand`).
    struct VoidRecord: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "void",
            abstract: "Void a record with a reason (records are never deleted).",
            discussion: """
                Examples:
                  fieldsync record void 0b7c... --officer KH1001 --reason "scanned the wrong checkpoint"
                """)

        @OptionGroup var terminal: TerminalOptions
        @Argument(help: "The record id.") var id: String
        @Option(help: "The officer making the write.") var officer: String?
        @Option(help: "Why the record is void (kept in the record).") var reason: String

        func run() async throws {
            let session = try terminal.session()
            let record = try session.store.void(RecordID(id), reason: reason, by: try terminal.officer(officer, session.config, signedIn: session.store.signedInOfficer))
            if terminal.json { return try Output.json(RecordView(record)) }
            Output.lines(["Voided (pending sync):"] + RecordView.lines(record))
        }
    }

    struct Note: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a note to a visit or an addendum to an incident (allowed on locked records).",
            discussion: """
                Examples:
                  fieldsync record note 0b7c... --officer KH1003 "Resident at the clinic; revisit Friday"
                  fieldsync record note 5616... --officer KH0900 --field supervisorNotes "Check CCTV at No. 88"
                """)

        @OptionGroup var terminal: TerminalOptions
        @Argument(help: "The record id.") var id: String
        @Argument(help: "The note's text.") var text: String
        @Option(help: "The officer making the write.") var officer: String?
        @Option(help: "Another append-only field, e.g. supervisorNotes.") var field: String?

        func run() async throws {
            let session = try terminal.session()
            let record = try session.store.addNote(to: RecordID(id), text, field: field,
                                                   by: try terminal.officer(officer, session.config, signedIn: session.store.signedInOfficer))
            if terminal.json { return try Output.json(RecordView(record)) }
            Output.lines(["Note added (pending sync):"] + RecordView.lines(record))
        }
    }
}
