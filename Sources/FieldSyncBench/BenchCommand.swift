import Foundation

/// `fieldsync-bench core|store|server [options]`: measurements, not tests. Build it in release:
/// `swift build -c release --product fieldsync-bench && .build/release/fieldsync-bench core`.
@main
enum BenchCommand {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "core":
            CoreBenchmark.run(arguments: Array(arguments.dropFirst()))
        case "store":
            try StoreBenchmark.run(arguments: Array(arguments.dropFirst()))
        case "server":
            try await ServerBenchmark.run(arguments: Array(arguments.dropFirst()))
        default:
            print("""
                usage: fieldsync-bench <suite> [options]
                  core     joins/s of two 20-field record states, JSON encode/decode records/s, bytes per record
                  store    terminal write latency p50/p99, 10,000 offline creates, pulled pages joined and stored
                           [--records N] [--page N] [--dir PATH]
                  server   push ingest and pull records/s over loopback HTTP beside raw GRDB (see --help there)
                """)
            exit(arguments.isEmpty ? 0 : 64)
        }
    }
}

/// Runs `body` `repetitions` times after one warm-up and reports the best and median rate.
func measure(_ label: String, operations: Int, unit: String, repetitions: Int = 3, _ body: () -> Void) {
    body()
    var rates: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<repetitions {
        let elapsed = clock.measure(body)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        rates.append(Double(operations) / seconds)
    }
    rates.sort()
    let median = rates[rates.count / 2]
    print("\(label.padding(toLength: 44, withPad: " ", startingAt: 0)) median \(format(median)) \(unit)/s   (min \(format(rates[0])), max \(format(rates.last!)))")
}

func format(_ value: Double) -> String {
    value >= 1_000_000 ? String(format: "%.2fM", value / 1_000_000)
        : value >= 1_000 ? String(format: "%.1fk", value / 1_000) : String(format: "%.1f", value)
}
