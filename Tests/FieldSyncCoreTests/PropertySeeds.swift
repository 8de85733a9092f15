import FieldSyncTestSupport

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
