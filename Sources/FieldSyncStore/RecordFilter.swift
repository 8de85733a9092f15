import FieldSyncCore
import GRDB

/// Which records `records(_:)` and `observeRecords(_:)` return. Empty criteria match everything;
/// given criteria must all hold. Results are ordered by last update, newest first.
public struct RecordFilter: Hashable, Sendable {
    /// Record types to include; empty: every type.
    public var types: Set<RecordType>
    /// Records any of whose scope units (beat, unit, receiving or jurisdiction unit) lies within this unit.
    public var unit: UnitID?
    /// Lifecycle states (`status`).
    public var statuses: Set<String>
    /// Records last written in this time range (milliseconds since 1970, hybrid-clock walls).
    public var updated: Range<Int64>?
    /// Records first written in this time range.
    public var created: Range<Int64>?
    /// Only records waiting for a person to resolve a conflict.
    public var conflictedOnly: Bool
    /// Only records with local writes not yet acknowledged.
    public var pendingPushOnly: Bool
    /// At most this many records (the newest); nil: all.
    public var limit: Int?

    /// A filter; every criterion left out matches everything.
    public init(types: Set<RecordType> = [], unit: UnitID? = nil, statuses: Set<String> = [], updated: Range<Int64>? = nil,
                created: Range<Int64>? = nil, conflictedOnly: Bool = false, pendingPushOnly: Bool = false, limit: Int? = nil) {
        self.types = types
        self.unit = unit
        self.statuses = statuses
        self.updated = updated
        self.created = created
        self.conflictedOnly = conflictedOnly
        self.pendingPushOnly = pendingPushOnly
        self.limit = limit
    }

    /// Every record.
    public static let all = RecordFilter()

    /// The WHERE clause and its arguments.
    var sql: (clause: String, arguments: StatementArguments) {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if !types.isEmpty {
            conditions.append("type IN (" + types.map { _ in "?" }.joined(separator: ", ") + ")")
            arguments += types.sorted().map(\.rawValue)
        }
        if let unit {
            // `units` is " A B ": a unit matches itself and, after a dot, anything below it.
            conditions.append("(instr(units, ?) > 0 OR instr(units, ?) > 0)")
            arguments += [" \(unit.rawValue) ", " \(unit.rawValue)."]
        }
        if !statuses.isEmpty {
            conditions.append("status IN (" + statuses.map { _ in "?" }.joined(separator: ", ") + ")")
            arguments += statuses.sorted()
        }
        if let updated {
            conditions.append("updatedAt >= ? AND updatedAt < ?")
            arguments += [updated.lowerBound, updated.upperBound]
        }
        if let created {
            conditions.append("createdAt >= ? AND createdAt < ?")
            arguments += [created.lowerBound, created.upperBound]
        }
        if conflictedOnly { conditions.append("conflicted") }
        if pendingPushOnly { conditions.append("localCounter > ackedCounter") }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), StatementArguments(arguments))
    }
}
