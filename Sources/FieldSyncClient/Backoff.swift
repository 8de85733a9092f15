/// How long a terminal waits before it tries again after a failed sync: exponential backoff with
/// full jitter (a uniformly random delay between zero and the exponential ceiling).
///
/// Why full jitter: after a typhoon outage every terminal of a city reconnects within minutes. With
/// a fixed schedule they would fail together and retry together, in lockstep, for as long as the
/// server is overloaded; random delays spread each wave over the whole window. A server's
/// `retryAfterSeconds` is a floor: it knows its own load better than any terminal does.
public struct Backoff: Sendable {
    /// The ceiling of the first retry, in milliseconds.
    public var baseMilliseconds: Int64
    /// The largest ceiling, in milliseconds, however many failures in a row.
    public var capMilliseconds: Int64
    /// A uniformly distributed number in `0...upperBound` (injected so tests are deterministic).
    public var random: @Sendable (_ upperBound: Int64) -> Int64

    /// A schedule from 1 s up to 5 min by default, with `Int64.random` as its randomness. Traps
    /// (precondition) unless `0 < baseMilliseconds <= capMilliseconds`.
    public init(baseMilliseconds: Int64 = 1_000, capMilliseconds: Int64 = 5 * 60 * 1_000,
                random: @escaping @Sendable (_ upperBound: Int64) -> Int64 = { Int64.random(in: 0...$0) }) {
        precondition(baseMilliseconds > 0 && capMilliseconds >= baseMilliseconds)
        self.baseMilliseconds = baseMilliseconds
        self.capMilliseconds = capMilliseconds
        self.random = random
    }

    /// The ceiling after `failures` failures in a row (1 for the first): base · 2^(failures−1), capped.
    public func ceiling(afterFailures failures: Int) -> Int64 {
        precondition(failures >= 1)
        // Shifting past 62 bits would overflow; the cap is reached long before.
        let doublings = min(failures - 1, 40)
        let (scaled, overflow) = baseMilliseconds.multipliedReportingOverflow(by: Int64(1) << doublings)
        return overflow ? capMilliseconds : min(scaled, capMilliseconds)
    }

    /// The delay in milliseconds before the next attempt after `failures` failures in a row, at least
    /// what the server asked for.
    public func delay(afterFailures failures: Int, retryAfterSeconds: Int? = nil) -> Int64 {
        let jittered = random(ceiling(afterFailures: failures))
        let floor = Int64(max(retryAfterSeconds ?? 0, 0)) * 1_000
        return max(jittered, floor)
    }
}
