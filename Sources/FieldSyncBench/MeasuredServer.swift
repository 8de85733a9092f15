import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `fieldsync server` in a process of its own, so that its memory and CPU time can be read from
/// /proc/PID honestly, apart from the benchmark's terminals.
final class MeasuredServer {
    let process: Process
    let port: Int
    let pid: Int32

    /// Starts `binary server --config configPath` and waits for the line that names its port.
    init(binary: String, configPath: String) throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchmarkError("no server executable at \(binary): build it with `swift build -c release --product fieldsync`")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["server", "--config", configPath]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        self.process = process
        pid = process.processIdentifier
        var seen = ""
        // The whole start line: it names SQLite's file or PostgreSQL's URL after the port (the PostgreSQL
        // banner has no ", database": waiting for one hung `storm-load --backend postgres`).
        while !(seen.range(of: "listening on http://").map { seen[$0.upperBound...].contains("\n") } ?? false) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw BenchmarkError("the server exited before listening: \(seen)") }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = seen.range(of: "listening on http://"),
              let port = seen[range.upperBound...].split(separator: ",").first?.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw BenchmarkError("cannot read the server's port from: \(seen)")
        }
        self.port = port
    }

    /// Peak resident memory so far (VmHWM), in bytes.
    var peakResidentBytes: Int { Self.statusField("VmHWM", pid: pid) }

    /// User plus system CPU time so far, in seconds.
    var cpuSeconds: Double { Self.cpuSeconds(pid: pid) }

    /// SIGTERM (graceful shutdown) and wait for the exit status.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A `kB` field of /proc/PID/status in bytes ("self" for this process), 0 when unreadable.
    static func statusField(_ name: String, pid: Int32?) -> Int {
        let path = "/proc/\(pid.map(String.init) ?? "self")/status"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let number = line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) } ?? 0
            return number * 1024
        }
        return 0
    }

    /// utime + stime of /proc/PID/stat.
    static func cpuSeconds(pid: Int32?) -> Double {
        let path = "/proc/\(pid.map(String.init) ?? "self")/stat"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        // Fields after the command name: state is field 3, utime 14 and stime 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
