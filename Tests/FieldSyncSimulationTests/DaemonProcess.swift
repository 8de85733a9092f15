import FieldSyncTesting
import Foundation

/// A real `fieldsync daemon` process (the executable `ServerProcess` finds), for tests that kill it
/// with SIGKILL and start it again on the same store.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var collected = Data()

    init(config: String) throws {
        process.executableURL = try ServerProcess.executable()
        process.arguments = ["daemon", "--config", config]
        process.standardOutput = output
        process.standardError = output
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard let self else { return }
            self.lock.lock(); self.collected.append(chunk); self.lock.unlock()
        }
        try process.run()
    }

    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: collected, as: UTF8.self) }

    /// SIGKILL: no handler runs; what is on disk is what a crash leaves.
    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then the exit status.
    func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Waits (polling, bounded) until `condition` holds: another process does the work, so there is no
/// event to await. Throws, naming `what`, when it never does.
func waitUntil(_ what: String, seconds: Double = 120, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while try await !condition() {
        guard Date() < deadline else { throw ProcessTestFailure(description: "gave up waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(2))
    }
}

struct ProcessTestFailure: Error, CustomStringConvertible {
    var description: String
}
