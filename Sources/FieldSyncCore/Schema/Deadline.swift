/// A reporting deadline a record type declares, like its merge policies: what starts its clock, what
/// meets it and how long it runs. Deadlines are computed from the record state alone, with the caller's
/// clock (`RecordSchema.deadlineStatuses(of:now:)`), so a terminal offline computes the same answer as
/// the server once both hold the same state: a deadline met on one terminal is met everywhere after a
/// sync, because the write that met it is joined like any other.
public struct Deadline: Sendable, Hashable {
    /// What starts a deadline's clock.
    public enum Start: Sendable, Hashable {
        /// The time a timestamp field holds, if `condition` holds then (nil: always).
        case time(in: String, when: Condition? = nil)
        /// The time of the latest entry of an append-log field: each new entry (a further transfer)
        /// starts the clock again.
        case latestEntry(of: String)
    }

    /// A condition on a record's effective values.
    public enum Condition: Sendable, Hashable {
        /// A code or text field whose effective value is `value`.
        case equals(field: String, value: String)
    }

    /// What meets a deadline. Only what happened at or after the clock started counts.
    public enum Event: Sendable, Hashable {
        /// A timestamp field holds a time at or after the start; met at that time.
        case timeSet(String)
        /// The lifecycle is at `state` or further, by a write at or after the start; met when that write
        /// was made (unknown once the lifecycle has moved past `state`: the state keeps the current one).
        case lifecycleReached(String)
    }

    /// The deadline's name, unique within its record type (`nationalSystemEntry`).
    public let name: String
    /// What starts the clock.
    public let start: Start
    /// What must have happened; every one of them (met when the last one was).
    public let events: [Event]
    /// How long the clock runs, in milliseconds.
    public let length: Int64
    /// A sentence for people: what the rule asks.
    public let summary: String
    /// Lifecycle states that end the obligation unmet (a case voided as entered by mistake need not be
    /// entered anywhere): a deadline not met when the record's effective state is one of them is waived.
    public let waivedBy: [String]

    /// A deadline declaration. `RecordSchema.init` checks that the fields and states it names exist and fit.
    public init(_ name: String, starts start: Start, metBy events: [Event], within length: Int64, waivedBy: [String] = [],
                summary: String) {
        precondition(!events.isEmpty && length > 0, "a deadline needs an event that meets it and a positive length")
        self.name = name
        self.start = start
        self.events = events
        self.length = length
        self.waivedBy = waivedBy
        self.summary = summary
    }

    /// One hour, in milliseconds.
    public static let hour: Int64 = 3_600_000
}

/// Where one deadline of one record stands at a moment (`RecordSchema.deadlineStatuses(of:now:)`).
public struct DeadlineStatus: Sendable, Hashable, Codable {
    /// Where a started deadline stands.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Not met, and not due yet.
        case running
        /// Not met, and past due.
        case overdue
        /// Met in time (or met, at a time the state no longer holds: `metAt` is nil).
        case met
        /// Met, after it was due.
        case metLate
        /// Not met, and no longer owed: the record reached a state that waives it (`Deadline.waivedBy`).
        case waived
    }

    /// The deadline's name.
    public let deadline: String
    /// When its clock started (milliseconds since 1970).
    public let startedAt: Int64
    /// When it is due.
    public let dueAt: Int64
    /// When it was met, if it was and the state still tells.
    public let metAt: Int64?
    /// Where it stands.
    public let outcome: Outcome

    /// A status as given.
    public init(deadline: String, startedAt: Int64, dueAt: Int64, metAt: Int64?, outcome: Outcome) {
        self.deadline = deadline
        self.startedAt = startedAt
        self.dueAt = dueAt
        self.metAt = metAt
        self.outcome = outcome
    }

    /// Whether it still needs someone to act.
    public var isOpen: Bool { outcome == .running || outcome == .overdue }
}
