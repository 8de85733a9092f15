import Foundation

/// A real `fieldsync server` process on a loopback port, for tests that need separate server nodes or
/// a process to kill. Its output goes to a log file beside the database or in the temporary directory.
public final class ServerProcess: @unchecked Sendable {
    public let process: Process
    public let port: Int
    public let logPath: String
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(process: Process, port: Int, logPath: String) {
        self.process = process
        self.port = port
        self.logPath = logPath
    }

    /// The `fieldsync` executable built beside the running test bundle (`.build/<triple>/debug`), or
    /// `FIELDSYNC_EXECUTABLE`.
    public static func executable() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["FIELDSYNC_EXECUTABLE"] { return URL(fileURLWithPath: path) }
        let candidate = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("fieldsync")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw Failure("no fieldsync executable at \(candidate.path): build it first (swift build --build-tests builds it)")
        }
        return candidate
    }

    /// Starts `fieldsync server --listen 127.0.0.1:0` with `environment` (FIELDSYNC_... keys) added to this
    /// process's, and returns once it prints the port it listens on.
    public static func start(environment: [String: String], arguments: [String] = []) async throws -> ServerProcess {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = ["server", "--listen", "127.0.0.1:0"] + arguments
        var environment = environment
        if environment["FIELDSYNC_AUDIT_SIGNING_KEY_FILE"] == nil {
            // Each server its own key (not one in the shared working directory), the same across restarts
            // on the same database.
            environment["FIELDSYNC_AUDIT_SIGNING_KEY_FILE"] = environment["FIELDSYNC_STORAGE_PATH"].map { $0 + ".audit.key" }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-audit-\(UUID().uuidString).key").path
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-server-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let port: Int? = await withCheckedContinuation { continuation in
            // Reads the banner, then keeps draining so the server never blocks on a full pipe.
            Thread.detachNewThread {
                var text = ""
                var found = false
                while true {
                    let data = output.fileHandleForReading.availableData
                    if data.isEmpty { break }
                    guard !found else { continue }
                    text += String(decoding: data, as: UTF8.self)
                    if let match = text.firstMatch(of: /listening on https?:\/\/[^ ]+:(\d+)/), let port = Int(match.1) {
                        found = true
                        continuation.resume(returning: port)
                    }
                }
                if !found { continuation.resume(returning: nil) }
            }
        }
        guard let port else {
            process.waitUntilExit()
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw Failure("fieldsync server exited with status \(process.terminationStatus) before listening: \(log)")
        }
        return ServerProcess(process: process, port: port, logPath: logPath)
    }

    /// SIGTERM (graceful) and wait; the log is removed when the server exited cleanly.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        if process.terminationStatus == 0 { try? FileManager.default.removeItem(atPath: logPath) }
    }

    /// SIGKILL: the process dies wherever it is, as in a power cut of the node.
    public func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
