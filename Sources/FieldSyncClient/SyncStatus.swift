import Foundation

/// What the daemon knows after each round, written to `ClientConfig.statusFile` (atomically, as JSON)
/// and read by `fieldsync status`.
public struct SyncStatus: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable {
        case idle, syncing, backingOff, revoked, stopped
        /// Nobody is signed in: the daemon holds no key and waits for a sign-in; nothing is lost.
        case locked
    }

    public var state: State
    public var deviceName: String
    /// Milliseconds since 1970.
    public var lastAttemptAt: Int64?
    public var lastSuccessAt: Int64?
    public var lastError: String?
    /// Failed rounds in a row, and when the next attempt is due.
    public var consecutiveFailures: Int
    public var nextAttemptAt: Int64?
    public var outbox: Int
    public var conflicts: Int
    public var rejectedChanges: Int
    /// Pulled records this version could not store, held whole for a newer version (nil in files
    /// written before it was counted).
    public var heldRecords: Int?
    public var leaseRemaining: Int64
    /// The officer signed in (nil while locked, and in files written before sign-in existed).
    public var signedIn: String?
    public var lastReport: SyncEngine.Report?

    public init(state: State, deviceName: String, lastAttemptAt: Int64? = nil, lastSuccessAt: Int64? = nil,
                lastError: String? = nil, consecutiveFailures: Int = 0, nextAttemptAt: Int64? = nil, outbox: Int = 0,
                conflicts: Int = 0, rejectedChanges: Int = 0, leaseRemaining: Int64 = 0, lastReport: SyncEngine.Report? = nil) {
        self.state = state
        self.deviceName = deviceName
        self.lastAttemptAt = lastAttemptAt
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.consecutiveFailures = consecutiveFailures
        self.nextAttemptAt = nextAttemptAt
        self.outbox = outbox
        self.conflicts = conflicts
        self.rejectedChanges = rejectedChanges
        self.leaseRemaining = leaseRemaining
        self.lastReport = lastReport
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Atomic: `fieldsync status` never reads half a file. Owner-only, like everything the terminal keeps.
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        _ = chmod(path, 0o600)
    }

    public static func read(from path: String) throws -> SyncStatus {
        try JSONDecoder().decode(SyncStatus.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
