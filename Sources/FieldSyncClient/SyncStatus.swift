import Foundation

/// What the daemon knows after each round, written to `ClientConfig.statusFile` (atomically, as JSON)
/// and read by `fieldsync status`.
public struct SyncStatus: Codable, Sendable, Hashable {
    /// What the daemon is doing; the raw value is what the status file holds.
    public enum State: String, Codable, Sendable {
        /// `idle`: the last round succeeded, the next is due at `nextAttemptAt` or on a local change;
        /// `syncing`: a round is in flight; `backingOff`: the last round failed, the next waits for the
        /// backoff; `revoked`: the device was revoked and its store wiped, the daemon has ended; `stopped`:
        /// the daemon ended (shutdown, or a configuration a person must fix: see `lastError`).
        case idle, syncing, backingOff, revoked, stopped
        /// Nobody is signed in: the daemon holds no key and waits for a sign-in; nothing is lost.
        case locked
    }

    /// What the daemon is doing.
    public var state: State
    /// The name the terminal enrolls under.
    public var deviceName: String
    /// Milliseconds since 1970.
    public var lastAttemptAt: Int64?
    /// When the last round succeeded, milliseconds since 1970.
    public var lastSuccessAt: Int64?
    /// The last failure, described; nil after a success and while locked.
    public var lastError: String?
    /// Failed rounds in a row, and when the next attempt is due.
    public var consecutiveFailures: Int
    /// When the next round is due, milliseconds since 1970 (nil after a graceful stop).
    public var nextAttemptAt: Int64?
    /// Records with local writes the server has not acknowledged.
    public var outbox: Int
    /// Records waiting for a person to resolve a conflict.
    public var conflicts: Int
    /// Changes the server refused, kept in the store.
    public var rejectedChanges: Int
    /// Pulled records this version could not store, held whole for a newer version (nil in files
    /// written before it was counted).
    public var heldRecords: Int?
    /// Receipt numbers the terminal can still issue offline.
    public var leaseRemaining: Int64
    /// The officer signed in (nil while locked, and in files written before sign-in existed).
    public var signedIn: String?
    /// What the last successful round did.
    public var lastReport: SyncEngine.Report?
    /// Reporting deadlines of the records held that are past due (nil while locked: reading records
    /// needs the key; and in files written before deadlines existed).
    public var overdueDeadlines: Int?
    /// Reporting deadlines not met yet and due within the next hour (nil as `overdueDeadlines`).
    public var deadlinesDueWithinHour: Int?

    /// A status with these values; `heldRecords` and `signedIn` start nil.
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

    /// Writes the status as JSON (pretty-printed, keys sorted), replacing `path` atomically, then narrows
    /// it to 0600.
    /// - Throws: Foundation's encoding or file errors.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Atomic: `fieldsync status` never reads half a file. Owner-only, like everything the terminal keeps.
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        _ = chmod(path, 0o600)
    }

    /// Reads a status file as `write(to:)` wrote it, by this version or an older one.
    /// - Throws: Foundation's file errors, or `DecodingError`.
    public static func read(from path: String) throws -> SyncStatus {
        try JSONDecoder().decode(SyncStatus.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
