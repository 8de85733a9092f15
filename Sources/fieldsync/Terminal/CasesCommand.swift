import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import FieldSyncStore
import Foundation

/// `fieldsync cases ...`: the reporting deadlines of the cases this terminal holds, computed offline.
struct CasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases",
        abstract: "Reporting deadlines of the cases this terminal holds (works offline).",
        discussion: """
            Deadlines are declared with the record types (an incident report: a major case notified within \
            one hour, every case entered into the national system within 48 hours, a transferred case \
            accepted and its reporter told in writing) and computed from the records this terminal holds. \
            A deadline met on another terminal shows as met here once this terminal has synced: the \
            listing says when that last happened.
            """,
        subcommands: [Due.self, Met.self])

    struct Due: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List overdue deadlines and those due soon.",
            discussion: """
                Exit status 4 when a deadline is overdue.

                Examples:
                  fieldsync cases due
                  fieldsync cases due --within 30m
                  fieldsync cases due --within 2h --json
                  fieldsync cases due --at 2026-12-08T09:00:00Z
                """)

        @OptionGroup var terminal: TerminalOptions
        @Option(help: ArgumentHelp("Also list running deadlines due within this time (e.g. 30m, 2h, 1d; default 1h).", valueName: "duration"),
                transform: DurationArgument.milliseconds)
        var within: Int64 = Deadline.hour
        @Option(help: ArgumentHelp("Compute as of this time instead of now (ISO 8601, or milliseconds since 1970).", valueName: "time"),
                transform: TimeArgument.milliseconds)
        var at: Int64?

        func run() async throws {
            let session = try terminal.session()
            let registry = FieldSyncCommand.registry
            let now = at ?? WallClock.milliseconds(Date())
            let open = try session.store.openDeadlines(now: now, within: within)
            let lastSync = (try? SyncStatus.read(from: session.config.statusFile))?.lastSuccessAt
            if terminal.json {
                try Output.json(DueReport(at: now, within: within, lastSyncedAt: lastSync, deadlines: open))
            } else {
                Output.lines(Self.text(open, registry: registry, now: now, within: within, lastSync: lastSync))
            }
            if open.contains(where: { $0.status.outcome == .overdue }) {
                throw CLIFailure(CLIFailure.refused, "a reporting deadline is overdue: act on it, then sync")
            }
        }

        static func text(_ open: [DueDeadline], registry: SchemaRegistry, now: Int64, within: Int64, lastSync: Int64?) -> [String] {
            let synced = lastSync.map { "last synced \(DurationArgument.text(now - $0)) ago (\(Text.time($0)))" } ?? "never synced"
            let lines = ["Deadlines as of \(Text.time(now)); this terminal \(synced): a deadline met on a terminal "
                         + "that has not synced since shows here as open."]
            guard !open.isEmpty else { return lines + ["Nothing overdue or due within \(DurationArgument.text(within))."] }
            return lines + DeadlineText.rows(open, registry: registry, now: now)
        }
    }

    struct Met: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record what meets a deadline of a case (a write, synced like any other).",
            discussion: """
                Sets the time field the deadline waits for (notifiedAt, nationalSystemEnteredAt, \
                reporterToldInWritingAt) to --at, default now; for transferAccepted, moves the case to \
                accepted (the receiving unit's acceptance, checked by the lifecycle rules).

                Examples:
                  fieldsync cases met 5616... majorCaseNotified
                  fieldsync cases met 5616... nationalSystemEntry --at 2026-12-08T09:30:00Z
                  fieldsync cases met 5616... transferAccepted --officer KH0900
                """)

        @OptionGroup var terminal: TerminalOptions
        @Argument(help: "The record id.") var id: String
        @Argument(help: "The deadline, as `cases due` names it.") var deadline: String
        @Option(help: ArgumentHelp("When it was met (ISO 8601, or milliseconds since 1970); default now.", valueName: "time"),
                transform: TimeArgument.milliseconds)
        var at: Int64?
        @Option(help: "The officer making the write.") var officer: String?

        func run() async throws {
            let session = try terminal.session()
            let store = session.store
            guard let record = try store.record(RecordID(id)) else {
                throw CLIFailure(CLIFailure.notFound, "no record \(id) on this terminal")
            }
            guard let rule = record.schema.deadline(deadline) else {
                let known = record.schema.deadlines.map(\.name)
                throw CLIFailure(CLIFailure.usage, "\(record.type) has no deadline '\(deadline)'"
                                 + (known.isEmpty ? "" : "; it has \(known.joined(separator: ", "))"))
            }
            let time = at ?? WallClock.milliseconds(Date())
            let operations: [FieldOperation] = rule.events.map { event in
                switch event {
                case .timeSet(let field): .set(field, .int(time))
                case .lifecycleReached(let state): .set(record.schema.lifecycle?.field ?? "status", .string(state))
                }
            }
            let author = try terminal.officer(officer, session.config, signedIn: store.signedInOfficer)
            let updated = try store.edit(record.id, operations, by: author)
            if terminal.json { return try Output.json(RecordView(updated)) }
            let status = record.schema.deadlineStatuses(of: updated.state, now: time).first { $0.deadline == deadline }
            Output.lines(["\(deadline): \(status.map { Self.describe($0) } ?? "recorded") (pending sync)."] + RecordView.lines(updated))
        }

        static func describe(_ status: DeadlineStatus) -> String {
            switch status.outcome {
            case .met: "met" + (status.metAt.map { " at \(Text.time($0)), due \(Text.time(status.dueAt))" } ?? "")
            case .metLate: "met LATE at \(status.metAt.map(Text.time) ?? "?"), due \(Text.time(status.dueAt))"
            case .running, .overdue: "not met yet (due \(Text.time(status.dueAt)))"
            case .waived: "waived: the case is in a state that ends it (was due \(Text.time(status.dueAt)))"
            }
        }
    }

    /// What `cases due --json` prints.
    struct DueReport: Encodable {
        let at: Int64
        let within: Int64
        let lastSyncedAt: Int64?
        let deadlines: [DueDeadline]
    }
}

/// `30m`, `2h`, `1d`, `45s` (a number alone is minutes) to milliseconds, and back for people.
enum DurationArgument {
    static func milliseconds(_ text: String) throws -> Int64 {
        let units: [Character: Int64] = ["s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let unit = trimmed.last.flatMap { units[$0] }
        let digits = unit == nil ? trimmed : String(trimmed.dropLast())
        guard let number = Int64(digits), number >= 0, number <= 3_650 * 86_400 else {
            throw ValidationError("'\(text)' is not a duration: a whole number with s, m, h or d, e.g. 30m")
        }
        return number * (unit ?? 60_000)
    }

    /// `1 h 5 min`, `40 min`, `2 d 3 h`: the two largest units.
    static func text(_ milliseconds: Int64) -> String {
        let minutes = max(0, milliseconds) / 60_000
        let days = minutes / 1_440, hours = minutes % 1_440 / 60, rest = minutes % 60
        if days > 0 { return "\(days) d" + (hours > 0 ? " \(hours) h" : "") }
        if hours > 0 { return "\(hours) h" + (rest > 0 ? " \(rest) min" : "") }
        return "\(rest) min"
    }
}

/// An ISO 8601 time (`2026-12-08T09:00:00Z`) or milliseconds since 1970.
enum TimeArgument {
    static func milliseconds(_ text: String) throws -> Int64 {
        if let number = Int64(text) { return number }
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) else {
            throw ValidationError("'\(text)' is not a time: ISO 8601 (2026-12-08T09:00:00Z) or milliseconds since 1970")
        }
        return WallClock.milliseconds(date)
    }
}
