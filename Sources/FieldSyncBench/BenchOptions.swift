import Foundation

/// `--name value` options of one suite, with defaults.
struct BenchOptions {
    let arguments: [String]

    init(_ arguments: [String]) { self.arguments = arguments }

    func string(_ name: String) -> String? {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    func int(_ name: String, _ fallback: Int) -> Int { string(name).flatMap { Int($0) } ?? fallback }

    func flag(_ name: String) -> Bool { arguments.contains(name) }
}

/// One line of the summary table that `fieldsync-bench all` prints at the end.
struct SummaryRow: Sendable {
    var suite: String
    var what: String
    var measured: String
    /// The raw limit of the same rows in the same run, and measured / raw.
    var raw: String = ""
    var ratio: Double?
    var goal: String = ""
}

/// A fresh temporary directory, removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init(_ prefix: String) throws {
        path = NSTemporaryDirectory() + "fieldsync-\(prefix)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

func seconds(since start: ContinuousClock.Instant) -> Double { seconds(ContinuousClock.now - start) }

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The `p` quantile (0...1) of `samples`, nearest rank.
func percentile(_ samples: [Double], _ p: Double) -> Double {
    guard !samples.isEmpty else { return 0 }
    let sorted = samples.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

func megabytes(_ bytes: Int) -> String { String(format: "%.0f MB", Double(bytes) / 1_048_576) }

/// The load average as /proc/loadavg states it (1, 5 and 15 minutes).
func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
}
