import Foundation

/// The unit of every wall time in FieldSync (write stamps, `serverTime`, expiries, audit times):
/// milliseconds since 1970-01-01T00:00Z, in an `Int64`. Written here once. The core never reads the
/// clock itself; the server, the terminal and the tools read it at their edges and inject it.
public enum WallClock {
    /// `date` in milliseconds since 1970, rounded down (a time before 1970 rounds towards the past).
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000).rounded(.down))
    }

    /// The date `milliseconds` after 1970-01-01T00:00Z.
    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1_000)
    }
}
