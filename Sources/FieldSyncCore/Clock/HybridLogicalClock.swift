/// A hybrid logical clock (Kulkarni et al., 2014) with the physical time injected by the caller.
///
/// Stamps never go backwards, even when the wall clock does. A stamp received from another replica is
/// adopted only up to `maxForwardDrift` ahead of our own physical time: a terminal whose wall clock is
/// wrong cannot drag every other clock into the future. Terminals additionally correct their physical
/// time by the server's time learned on each sync (`correction`), so their later writes carry sane stamps.
public struct HybridLogicalClock: Sendable, Hashable {
    /// The most recent stamp issued or observed.
    public private(set) var last: HLCTimestamp
    /// How far (milliseconds) a remote stamp may run ahead of local physical time and still be adopted.
    public let maxForwardDrift: Int64
    /// Milliseconds added to the injected physical time (server time minus local wall time, learned on sync).
    public var correction: Int64

    /// A clock resuming from `last` (the persisted stamp). `maxForwardDrift` defaults to ten minutes;
    /// traps when it is negative.
    public init(last: HLCTimestamp = .zero, maxForwardDrift: Int64 = 10 * 60 * 1000, correction: Int64 = 0) {
        precondition(maxForwardDrift >= 0)
        self.last = last
        self.maxForwardDrift = maxForwardDrift
        self.correction = correction
    }

    /// A stamp for a local event at physical time `now` (milliseconds since 1970).
    public mutating func tick(now: Int64) -> HLCTimestamp {
        let physical = Self.saturating(now, plus: correction)
        if physical > last.wall {
            last = HLCTimestamp(wall: physical, logical: 0)
        } else {
            last = Self.incremented(last)
        }
        return last
    }

    /// The outcome of observing a remote stamp.
    public enum Observation: Sendable, Hashable {
        /// The remote stamp was within tolerance and the clock now orders after it.
        case adopted
        /// The remote stamp ran more than `maxForwardDrift` ahead; the clock moved only to the limit.
        case clamped(aheadBy: Int64)
    }

    /// Merges a stamp received from another replica, at local physical time `now`.
    @discardableResult
    public mutating func observe(_ remote: HLCTimestamp, now: Int64) -> Observation {
        let physical = Self.saturating(now, plus: correction)
        let limit = Self.saturating(physical, plus: maxForwardDrift)
        var observation = Observation.adopted
        var accepted = remote
        if remote.wall > limit {
            observation = .clamped(aheadBy: Self.saturating(remote.wall, plus: 0, minus: physical))
            accepted = HLCTimestamp(wall: limit, logical: 0)
        }
        let wall = max(last.wall, accepted.wall, physical)
        if wall == last.wall && wall == accepted.wall {
            last = Self.incremented(HLCTimestamp(wall: wall, logical: max(last.logical, accepted.logical)))
        } else if wall == last.wall {
            last = Self.incremented(last)
        } else if wall == accepted.wall {
            last = Self.incremented(accepted)
        } else {
            last = HLCTimestamp(wall: wall, logical: 0)
        }
        return observation
    }

    /// Learns the server's time: afterwards local physical time reads `serverWall` at `now`.
    /// Applied only when the difference exceeds `tolerance`, so a good clock is left alone.
    ///
    /// If the clock had run further ahead than `maxForwardDrift` (a terminal whose wall clock was set in
    /// the future), it is pulled back once to the corrected time: otherwise every later write would keep
    /// the bad stamp and be refused as `clockSkew` until real time caught up. Stamps order concurrent
    /// writes only; causality is carried by dots, so this one step back loses nothing.
    public mutating func correct(serverWall: Int64, now: Int64, tolerance: Int64 = 2_000) {
        // The server's time arrives from the network: a hostile or broken peer may send any Int64, so
        // nothing here may overflow (a trap would take the terminal down with its unsynced work).
        let (offset, overflow) = serverWall.subtractingReportingOverflow(now)
        correction = !overflow && offset.magnitude > UInt64(max(tolerance, 0)) ? offset : 0
        let physical = Self.saturating(now, plus: correction)
        if last.wall > Self.saturating(physical, plus: maxForwardDrift) { last = HLCTimestamp(wall: physical, logical: 0) }
    }

    /// The next stamp after `stamp`. At the very end of time (`Int64.max`, only reachable through a
    /// hostile stamp) it stays put rather than overflow.
    private static func incremented(_ stamp: HLCTimestamp) -> HLCTimestamp {
        if stamp.logical < UInt32.max { return HLCTimestamp(wall: stamp.wall, logical: stamp.logical + 1) }
        return stamp.wall == .max ? stamp : HLCTimestamp(wall: stamp.wall + 1, logical: 0)
    }

    /// `value + plus - minus`, clamped to Int64's range instead of trapping or wrapping.
    static func saturating(_ value: Int64, plus: Int64, minus: Int64 = 0) -> Int64 {
        let (sum, overflow) = value.addingReportingOverflow(plus)
        let partial = overflow ? (plus > 0 ? Int64.max : Int64.min) : sum
        let (difference, underflow) = partial.subtractingReportingOverflow(minus)
        return underflow ? (minus > 0 ? Int64.min : Int64.max) : difference
    }
}
