import Foundation

/// How a run of `fieldsync` ends: its exit status and its last words.
struct Termination: Equatable {
    var status: Int32
    /// Empty when there is nothing to say (success, or a status thrown as `ExitCode`).
    var message = ""
    /// Help and version go to stdout; everything else to stderr.
    var toStandardOutput = false

    func report() {
        guard !message.isEmpty else { return }
        let handle = toStandardOutput ? FileHandle.standardOutput : FileHandle.standardError
        handle.write(Data((message + "\n").utf8))
    }
}
