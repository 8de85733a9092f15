import FieldSyncCore

/// What one batch's plan decided, counted from its final outcomes. A backend that runs a batch's
/// transaction again (PostgreSQL, after a lost race) builds a new plan, so the counts of the attempt that
/// committed are the only ones reported.
public struct PushCounts: Hashable, Sendable {
    /// Records stored with a change (an unchanged record is not counted).
    public var accepted = 0
    /// Stored records that now hold a conflict for a person and did not before.
    public var conflictsCreated = 0
    /// Stored records whose conflict for a person this change resolved.
    public var conflictsResolved = 0
    /// Refused records, by rejection code.
    public var rejected: [RejectionCode: Int] = [:]

    public init() {}

    mutating func accepted(conflictBefore: Bool, conflictAfter: Bool) {
        accepted += 1
        if conflictAfter && !conflictBefore { conflictsCreated += 1 }
        if conflictBefore && !conflictAfter { conflictsResolved += 1 }
    }

    mutating func rejected(_ code: RejectionCode) {
        rejected[code, default: 0] += 1
    }
}
