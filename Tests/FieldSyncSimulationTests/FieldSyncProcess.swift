import FieldSyncCore
import FieldSyncServer
import Foundation
import Testing

/// A real `fieldsync` process (the executable built beside this test bundle), for tests that kill it
/// with SIGKILL and start it again on the same files.
final class FieldSyncProcess: @unchecked Sendable {
    /// The `fieldsync` executable: `FIELDSYNC_BINARY`, else beside the test bundle in `.build/<config>`.
    static func executable() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["FIELDSYNC_BINARY"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
        let candidate = directory.appendingPathComponent("fieldsync")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw ProcessFailure("the fieldsync executable is not at \(candidate.path): run `swift build --build-tests` (or set FIELDSYNC_BINARY)")
        }
        return candidate
    }

    struct ProcessFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    let process = Process()
    private let output = Pipe()
    private let collected = LockedOutput()

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = try Self.executable()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = output
        process.standardError = output
        let collected = self.collected
        output.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        try process.run()
    }

    var text: String { collected.text }
    var isRunning: Bool { process.isRunning }

    /// SIGKILL: no handler runs, nothing is flushed; what is on disk is what a power-cut-free crash leaves.
    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then waits for the exit status.
    func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits (polling, bounded) until `condition` holds; fails the test with `what` if it never does.
    static func wait(for what: String, seconds: Double = 120, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            guard Date() < deadline else { throw ProcessFailure("gave up waiting for \(what)") }
            usleep(2_000)
        }
    }

    /// The same, for conditions read with `await`.
    static func waitAsync(for what: String, seconds: Double = 120, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try await !condition() {
            guard Date() < deadline else { throw ProcessFailure("gave up waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Starts `fieldsync server` on `database` and waits for the address it prints.
    static func server(database: String, port: Int = 0, directory: String) throws -> (FieldSyncProcess, port: Int) {
        let config = directory + "/server.json"
        try Data(#"{"limits": {"rateLimit": {"requestsPerSecond": 0}}, "log": {"level": "warning"}}"#.utf8)
            .write(to: URL(fileURLWithPath: config))
        let server = try FieldSyncProcess(["server", "--config", config, "--listen", "127.0.0.1:\(port)", "--database", database])
        var found = 0
        try wait(for: "the server to listen (output: \(server.text))", seconds: 60) {
            guard server.isRunning else { throw ProcessFailure("the server exited: \(server.text)") }
            guard let range = server.text.range(of: "listening on http://127.0.0.1:") else { return false }
            found = Int(server.text[range.upperBound...].prefix { $0.isNumber }) ?? 0
            return found > 0
        }
        return (server, found)
    }
}

/// Output of a child process, appended from the pipe's reader thread.
private final class LockedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ chunk: Data) { lock.lock(); data.append(chunk); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}
