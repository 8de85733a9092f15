import Foundation

/// `fieldsync-bench all|core|store|terminal|server|storm|growth [options]`: measurements, not tests.
/// Build it in release, with the server it starts for the storm:
/// `swift build -c release --product fieldsync-bench && swift build -c release --product fieldsync`,
/// then `.build/release/fieldsync-bench all`.
@main
enum BenchCommand {
    static let suites: [(name: String, summary: String)] = [
        ("core", "joins/s of two 20-field record states, JSON encode/decode records/s, bytes per record"),
        ("store", "terminal write latency p50/p99/p999, 10,000 offline creates, pulled pages joined and stored"),
        ("terminal", "10,000 offline records pushed; initial sync of 100,000 records into a fresh terminal, its peak RSS"),
        ("server", "push ingest and pull records/s over loopback HTTP beside raw GRDB [--records N] [--batch N] [--connections N]"),
        ("storm", "N terminals × M offline records reconnect at once to a server process [--terminals 2000] [--records 50]"),
        ("storm-load", "the storm from the server's side: a load generator replays the terminals' requests [--lanes 64]"),
        ("growth", "push and pull cost per record with 10^4, 10^5, 10^6 stored records and with history length"),
    ]

    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let rest = Array(arguments.dropFirst())
        let start = ContinuousClock.now
        let loadBefore = loadAverage()
        var rows: [SummaryRow] = []
        switch arguments.first {
        case "all":
            // Each suite with its defaults; options after `all` (e.g. --backend) go to every suite.
            for suite in suites {
                print("\n===== \(suite.name) =====")
                rows += try await run(suite.name, rest)
            }
        case let name? where suites.contains(where: { $0.name == name }):
            rows = try await run(name, rest)
        default:
            print("usage: fieldsync-bench <suite> [options]   (servers: --backend sqlite|postgres --postgres-url URL)")
            print("  all        every suite below with its defaults, then one summary table")
            for suite in suites { print("  " + suite.name.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + suite.summary) }
            exit(arguments.isEmpty ? 0 : 64)
        }
        printSummary(rows, elapsed: seconds(since: start), loadBefore: loadBefore)
    }

    static func run(_ suite: String, _ arguments: [String]) async throws -> [SummaryRow] {
        switch suite {
        case "core": CoreBenchmark.run(arguments: arguments)
        case "store": try StoreBenchmark.run(arguments: arguments)
        case "terminal": try await TerminalSyncBenchmark.run(arguments: arguments)
        case "server": try await ServerBenchmark.run(arguments: arguments)
        case "storm": try await StormBenchmark.run(arguments: arguments)
        case "storm-load": try await StormLoadBenchmark.run(arguments: arguments)
        case "growth": try await GrowthBenchmark.run(arguments: arguments)
        default: []
        }
    }

    static func printSummary(_ rows: [SummaryRow], elapsed: Double, loadBefore: String) {
        guard !rows.isEmpty else { return }
        let header = ["suite", "figure", "measured", "raw limit (same run)", "ratio", "goal"]
        let table = rows.map { row in
            [row.suite, row.what, row.measured, row.raw, row.ratio.map { String(format: "%.2f", $0) } ?? "", row.goal]
        }
        let widths = header.indices.map { column in ([header] + table).map { $0[column].count }.max()! }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " | ")
        }
        print("\n===== summary (\(String(format: "%.0f", elapsed)) s; load average before \(loadBefore), after \(loadAverage())) =====")
        print(line(header))
        print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "-|-"))
        for cells in table { print(line(cells)) }
    }
}

/// Runs `body` `repetitions` times after one warm-up, prints the best and median rate, returns the median.
@discardableResult
func measure(_ label: String, operations: Int, unit: String, repetitions: Int = 3, _ body: () -> Void) -> Double {
    body()
    var rates: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<repetitions {
        rates.append(Double(operations) / seconds(clock.measure(body)))
    }
    rates.sort()
    let median = rates[rates.count / 2]
    print("\(label.padding(toLength: 44, withPad: " ", startingAt: 0)) median \(format(median)) \(unit)/s   (min \(format(rates[0])), max \(format(rates.last!)))")
    return median
}

func format(_ value: Double) -> String {
    value >= 1_000_000 ? String(format: "%.2fM", value / 1_000_000)
        : value >= 1_000 ? String(format: "%.1fk", value / 1_000) : String(format: "%.1f", value)
}
