import Synchronization

/// A wall clock for tests, in milliseconds since 1970, moved only by the test: stamps in tests are exact.
/// Inject `now` wherever the code under test takes a clock.
public final class TestClock: Sendable {
    private let value: Mutex<Int64>

    /// 2026-11-23T08:00:00Z by default.
    public init(_ start: Int64 = 1_795_420_800_000) { value = Mutex(start) }

    /// The current time (ms since 1970).
    public var now: Int64 { value.withLock { $0 } }

    /// Moves the clock forward by `milliseconds` (1 by default).
    public func advance(milliseconds: Int64 = 1) { value.withLock { $0 += milliseconds } }
}
