import FieldSyncTesting
import Foundation
import Testing

/// The deterministic simulator over the real engines (issue 8). CI runs a budget of seeds; a failing
/// seed prints the one command that replays it, and becomes a regression seed below once fixed.
///
/// Environment: `FIELDSYNC_SIM_SEEDS` (how many, default 300), `FIELDSYNC_SIM_FIRST_SEED` (default 1),
/// `FIELDSYNC_SIM_JOBS` (runs at once, default 2), `FIELDSYNC_SIM_SEED` (the one seed `replay` runs).
@Suite("Deterministic simulation")
struct SimulationTests {
    static let environment = ProcessInfo.processInfo.environment

    /// Seeds that once failed; each names the bug it found.
    static let regressionSeeds: [UInt64] = [
        // A push refused `clockSkew` after a retry under a new batch id was admitted when the delayed
        // first request arrived minutes later: the terminal's abandoned write came back (SPEC 10.2).
        40, 60, 469,
    ]

    @Test("a budget of seeds over every fault kind: replicas converge, nothing is lost")
    func budget() async {
        let count = UInt64(Self.environment["FIELDSYNC_SIM_SEEDS"].flatMap(Int.init) ?? 300)
        let first = UInt64(Self.environment["FIELDSYNC_SIM_FIRST_SEED"].flatMap(Int.init) ?? 1)
        let jobs = Self.environment["FIELDSYNC_SIM_JOBS"].flatMap(Int.init) ?? 2
        await Self.run(seeds: Array(first..<(first + count)), jobs: jobs)
    }

    @Test("the seeds that once found a bug")
    func regressions() async {
        await Self.run(seeds: Self.regressionSeeds, jobs: 2)
    }

    @Test("one seed, as printed by a failing run", .enabled(if: environment["FIELDSYNC_SIM_SEED"] != nil))
    func replay() async {
        let seed = UInt64(Self.environment["FIELDSYNC_SIM_SEED"] ?? "") ?? 0
        let outcome = await Simulation(seed: seed).run()
        print("seed \(seed): \(outcome.steps) steps; \(outcome.stats.summary)")
        for violation in outcome.violations { print("  " + violation) }
        #expect(outcome.violations.isEmpty, "seed \(seed): \(outcome.violations.joined(separator: "; "))")
    }

    static func run(seeds: [UInt64], jobs: Int) async {
        let started = ContinuousClock.now
        let total = SimulationStats()
        var failed: [Simulation.Outcome] = []
        await withTaskGroup(of: Simulation.Outcome.self) { group in
            var next = seeds.makeIterator()
            for _ in 0..<max(1, jobs) {
                if let seed = next.next() { group.addTask { await Simulation(seed: seed).run() } }
            }
            for await outcome in group {
                total.add(outcome.stats)
                if !outcome.violations.isEmpty {
                    print(Simulation.replayCommand(seed: outcome.seed))
                    failed.append(outcome)
                }
                if let seed = next.next() { group.addTask { await Simulation(seed: seed).run() } }
            }
        }
        print("simulated \(seeds.count) seeds (\(seeds.first ?? 0)...\(seeds.last ?? 0)) in \(ContinuousClock.now - started); \(failed.count) failed; \(total.summary)")
        for outcome in failed.sorted(by: { $0.seed < $1.seed }) {
            Issue.record("seed \(outcome.seed): \(outcome.violations.prefix(5).joined(separator: "; "))")
        }
    }
}
