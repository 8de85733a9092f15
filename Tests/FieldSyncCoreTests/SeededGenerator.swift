import FieldSyncCore

/// SplitMix64: a small, fast, seedable generator, so every randomized test can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Seeds for the property tests. `FIELDSYNC_SEEDS=N` runs N seeds instead of the default budget;
/// `FIELDSYNC_SEED=S` runs only seed S (the replay command printed on failure).
enum PropertySeeds {
    static func seeds(default count: Int, regressions: [UInt64] = []) -> [UInt64] {
        let environment = ProcessInfoShim.environment
        if let single = environment["FIELDSYNC_SEED"].flatMap(UInt64.init) { return [single] }
        let count = environment["FIELDSYNC_SEEDS"].flatMap(Int.init) ?? count
        return regressions + (0..<UInt64(count)).map { 0xF1E1D5 &+ $0 &* 7919 }
    }
}
