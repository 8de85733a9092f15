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
    private let buckets = Mutex<[ReplicaID: Bucket]>([:])

    /// A nil policy never limits but still tracks activity.
    public init(policy: Policy?) { self.policy = policy }

    /// Takes one token for `replica` at `now` (ms); returns nil when admitted, else seconds to wait.
    public func admit(_ replica: ReplicaID, now: Int64) -> Int? {
        buckets.withLock { buckets in
            guard let policy else {
                buckets[replica] = Bucket(tokens: 0, updated: now)
                return nil
            }
            var bucket = buckets[replica] ?? Bucket(tokens: policy.burst, updated: now)
            let elapsed = Double(max(0, now - bucket.updated)) / 1_000
            bucket.tokens = min(policy.burst, bucket.tokens + elapsed * policy.requestsPerSecond)
            bucket.updated = now
            defer { buckets[replica] = bucket }
            guard bucket.tokens >= 1 else {
                let wait = (1 - bucket.tokens) / max(policy.requestsPerSecond, 0.001)
                return max(1, Int(wait.rounded(.up)))
            }
            bucket.tokens -= 1
            return nil
        }
    }

    /// Devices seen at or after `since` (ms).
    public func activeCount(since: Int64) -> Int {
        buckets.withLock { buckets in buckets.values.count { $0.updated >= since } }
    }
}
