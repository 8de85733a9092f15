import FieldSyncCore
import Synchronization

/// A token bucket per device, on the injected clock. It also remembers when each device was last
/// seen, which gives the active-terminals gauge for free.
public final class RateLimiter: Sendable {
    public struct Policy: Hashable, Sendable {
        public var requestsPerSecond: Double
        public var burst: Double

        public init(requestsPerSecond: Double, burst: Double) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = burst
        }
    }

    private struct Bucket {
        var tokens: Double
        var updated: Int64
    }

    private let policy: Policy?
    private let buckets = Mutex<[String: Bucket]>([:])
    /// Buckets kept at most; idle ones are dropped past it, so many peer addresses cannot grow memory.
    static let maxBuckets = 100_000

    /// A nil policy never limits but still tracks activity.
    public init(policy: Policy?) { self.policy = policy }

    /// Takes one token for `replica` at `now` (ms); returns nil when admitted, else seconds to wait.
    public func admit(_ replica: ReplicaID, now: Int64) -> Int? {
        admit(key: replica.rawValue, now: now)
    }

    /// Takes `cost` tokens for any key (a replica id, a peer address); a cost above the burst is let
    /// through once the bucket is full, so that no single request is refused forever.
    public func admit(key: String, now: Int64, cost: Double = 1) -> Int? {
        buckets.withLock { buckets in
            if buckets.count >= Self.maxBuckets {
                // A bucket untouched for 15 minutes is full again (and no longer counts as active):
                // forgetting it changes no decision.
                buckets = buckets.filter { now - $0.value.updated < 15 * 60_000 }
            }
            guard let policy else {
                buckets[key] = Bucket(tokens: 0, updated: now)
                return nil
            }
            var bucket = buckets[key] ?? Bucket(tokens: policy.burst, updated: now)
            let elapsed = Double(max(0, now - bucket.updated)) / 1_000
            bucket.tokens = min(policy.burst, bucket.tokens + elapsed * policy.requestsPerSecond)
            bucket.updated = now
            defer { buckets[key] = bucket }
            let needed = min(cost, policy.burst)
            guard bucket.tokens >= needed else {
                let wait = (needed - bucket.tokens) / max(policy.requestsPerSecond, 0.001)
                return max(1, Int(min(wait, 86_400).rounded(.up)))
            }
            bucket.tokens -= cost
            return nil
        }
    }

    /// Devices seen at or after `since` (ms).
    public func activeCount(since: Int64) -> Int {
        buckets.withLock { buckets in buckets.values.count { $0.updated >= since } }
    }
}
