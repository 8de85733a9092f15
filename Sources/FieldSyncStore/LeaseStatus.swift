/// How many incident receipt numbers the terminal can still issue offline.
public struct LeaseStatus: Hashable, Sendable {
    /// Numbers left across every leased block.
    public var remaining: Int64
    /// At or below the store's low-water mark: ask the server for the next block on the next sync.
    public var runningLow: Bool
    /// The next number to be issued, or nil when exhausted.
    public var next: String?
}
