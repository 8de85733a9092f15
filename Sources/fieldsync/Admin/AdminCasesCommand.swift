import ArgumentParser
import FieldSyncCore
import FieldSyncServer
import Foundation

extension AdminCommand {
    /// `fieldsync admin cases ...`: reporting deadlines across a unit's cases, on the server.
    struct Cases: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reporting deadlines of a station's or precinct's cases, as the server holds them.",
            subcommands: [Overdue.self])

        struct Overdue: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the overdue deadlines of a unit's cases (and, with --within, those due soon).",
                discussion: """
                    Computed on the server from the cases it holds, for the unit and every unit under it \
                    (a precinct lists its stations' cases). A deadline met on a terminal that has not synced \
                    since shows here as open: `fieldsync cases due` on that terminal tells when it last synced. \
                    The read is audited. The same counts are exported as fieldsync_cases_overdue{unit,deadline}.

                    Exit status 4 when a deadline is overdue.

                    Examples:
                      fieldsync admin cases overdue --unit KH.P03
                      fieldsync admin cases overdue --unit KH.P03.S012 --within 30m
                      fieldsync admin cases overdue --unit KH --json | jq '.deadlines | length'
                    """)

            @OptionGroup var admin: AdminOptions
            @Flag(help: "Print JSON instead of text.") var json = false
            @Option(help: "The unit, e.g. KH.P03.S012 (a station) or KH.P03 (a precinct).") var unit: String
            @Option(help: ArgumentHelp("Also list running deadlines due within this time (e.g. 30m, 2h, 1d).", valueName: "duration"),
                    transform: DurationArgument.milliseconds)
            var within: Int64?

            func validate() throws {
                guard UnitID(unit).isWellFormed else { throw ValidationError("'\(unit)' is not a unit code such as KH.P03.S012") }
                if let within, within > 31 * 24 * Deadline.hour { throw ValidationError("--within is at most 31 days") }
            }

            func run() async throws {
                var query = [URLQueryItem(name: "unit", value: unit)]
                if let within { query.append(URLQueryItem(name: "withinSeconds", value: String(within / 1_000))) }
                let report = try await admin.client().get("/cases/overdue", query: query, as: OverdueCases.self)
                if json {
                    try Output.json(report)
                } else {
                    Output.lines(Self.text(report, within: within))
                }
                if report.deadlines.contains(where: { $0.status.outcome == .overdue }) {
                    throw CLIFailure(CLIFailure.refused, "a reporting deadline of \(unit)'s cases is overdue")
                }
            }

            static func text(_ report: OverdueCases, within: Int64?) -> [String] {
                let header = "Deadlines of \(report.unit.rawValue)'s cases as the server holds them at \(Text.time(report.at)): "
                    + "a deadline met on a terminal that has not synced since shows here as open."
                guard !report.deadlines.isEmpty else {
                    return [header, "Nothing overdue" + (within.map { " or due within \(DurationArgument.text($0))" } ?? "") + "."]
                }
                return [header] + DeadlineText.rows(report.deadlines, registry: FieldSyncCommand.registry, now: report.at)
            }
        }
    }
}
