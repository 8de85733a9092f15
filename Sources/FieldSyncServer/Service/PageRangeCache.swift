import FieldSyncCore
import Synchronization

/// Pull ranges already read and deflated, per scope set, keyed by the cursor they start after (issue 16,
/// item 3). In a reconnect storm the ~24 terminals of a station pull the same changes: the first one's
/// read becomes ranges that the others are sent as copied bytes. A terminal's page is the chain of
/// consecutive ranges from its cursor that fits its budget, then a fresh read after the last one (which
/// becomes a range in turn), so pages never wait for the cache to be right: at worst they read storage.
///
/// Bounded by `capacityBytes` of compressed bytes (least recently used ranges go first) and by
/// `lifetime`: a range older than that is read again, which bounds how long a retention purge made on
/// another node of a PostgreSQL deployment can still be served from this one (this node's purges empty it).
final class PageRangeCache: Sendable {
    /// The ranges a page can start with, and whether the budget (not the cache) ended the chain.
    struct Chain {
        var ranges: [PageRange] = []
        var count = 0
        var stateBytes = 0
        var budgetSpent = false
        var through: UInt64?
        /// The cache's generation when the chain was taken: a range read after it may be inserted only if
        /// no purge emptied the cache in between (`insert`).
        var generation: UInt64 = 0
    }

    private struct Entry {
        var range: PageRange
        var lastUsed: UInt64
    }

    private struct State {
        var ranges: [String: [UInt64: Entry]] = [:]
        var bytes = 0
        var tick: UInt64 = 0
        var generation: UInt64 = 0
    }

    let capacityBytes: Int
    /// Milliseconds a range may be served after it was read.
    let lifetime: Int64
    private let state = Mutex(State())

    /// Bytes a cached range costs beyond its compressed bytes (its bookkeeping), so that many tiny ranges
    /// are bounded too.
    static let entryOverhead = 160

    init(capacityBytes: Int, lifetime: Int64) {
        self.capacityBytes = capacityBytes
        self.lifetime = lifetime
    }

    var isEnabled: Bool { capacityBytes > 0 && lifetime > 0 }

    /// The key of a scope set: the same units in any order are the same set.
    static func key(_ scopes: [UnitID]) -> String {
        scopes.map(\.rawValue).sorted().joined(separator: "\n")
    }

    /// The consecutive cached ranges from `cursor` that fit `limit` records and `maxBytes` bytes of states.
    func chain(scopes key: String, from cursor: UInt64, limit: Int, maxBytes: Int, now: Int64) -> Chain {
        guard isEnabled else { return Chain() }
        return state.withLock { state in
            var chain = Chain(generation: state.generation)
            var position = cursor
            state.tick &+= 1
            while let entry = state.ranges[key]?[position] {
                let range = entry.range
                guard now - range.readAt <= lifetime, now >= range.readAt else {
                    Self.remove(key: key, after: position, from: &state)
                    break
                }
                guard chain.count + range.count <= limit, chain.stateBytes + range.stateBytes <= maxBytes else {
                    chain.budgetSpent = true
                    break
                }
                state.ranges[key]?[position]?.lastUsed = state.tick
                chain.ranges.append(range)
                chain.count += range.count
                chain.stateBytes += range.stateBytes
                chain.through = range.through
                position = range.through
            }
            return chain
        }
    }

    /// Keeps `range` (compressed bytes only) for the scope set `key`, in place of any range that starts
    /// after the same cursor, unless the cache was emptied since `generation` (the range may hold a
    /// record purged meanwhile).
    func insert(_ range: PageRange, scopes key: String, generation: UInt64) {
        precondition(range.through > range.after, "a cached range moves the cursor")
        guard isEnabled, range.count > 0, let kept = range.compressedOnly else { return }
        let cost = Self.cost(of: kept)
        guard cost <= capacityBytes else { return }
        state.withLock { state in
            guard state.generation == generation else { return }
            state.tick &+= 1
            Self.remove(key: key, after: kept.after, from: &state)
            state.ranges[key, default: [:]][kept.after] = Entry(range: kept, lastUsed: state.tick)
            state.bytes += cost
            if state.bytes > capacityBytes { Self.evict(&state, downTo: capacityBytes * 3 / 4) }
        }
    }

    /// Forgets every range: after a retention purge, which changes what earlier reads would answer.
    func removeAll() {
        state.withLock { state in state = State(generation: state.generation &+ 1) }
    }

    /// Compressed bytes and ranges held now.
    var usage: (bytes: Int, ranges: Int) {
        state.withLock { state in (state.bytes, state.ranges.values.reduce(0) { $0 + $1.count }) }
    }

    private static func cost(of range: PageRange) -> Int { (range.piece?.deflated.count ?? 0) + entryOverhead }

    private static func remove(key: String, after: UInt64, from state: inout State) {
        guard let old = state.ranges[key]?.removeValue(forKey: after) else { return }
        state.bytes -= cost(of: old.range)
        if state.ranges[key]?.isEmpty == true { state.ranges[key] = nil }
    }

    /// Least recently used ranges first, until `target` bytes remain.
    private static func evict(_ state: inout State, downTo target: Int) {
        let byAge = state.ranges.flatMap { key, ranges in ranges.map { (key: key, after: $0.key, used: $0.value.lastUsed) } }
            .sorted { $0.used < $1.used }
        for victim in byAge where state.bytes > target {
            remove(key: victim.key, after: victim.after, from: &state)
        }
    }
}
