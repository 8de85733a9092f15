import FieldSyncCore
import Testing

@Suite("Clocks")
struct ClockTests {
    @Test("stamps never go backwards, even when the wall clock does")
    func monotonic() {
        var clock = HybridLogicalClock()
        let first = clock.tick(now: 10_000)
        let second = clock.tick(now: 9_000)
        let third = clock.tick(now: 9_000)
        #expect(first < second && second < third)
        #expect(second == HLCTimestamp(wall: 10_000, logical: 1))
        #expect(clock.tick(now: 20_000) == HLCTimestamp(wall: 20_000, logical: 0))
    }

    @Test("observing a remote stamp orders later local stamps after it")
    func observe() {
        var clock = HybridLogicalClock()
        _ = clock.tick(now: 1_000)
        #expect(clock.observe(HLCTimestamp(wall: 1_500, logical: 7), now: 1_200) == .adopted)
        #expect(clock.tick(now: 1_200) > HLCTimestamp(wall: 1_500, logical: 7))
    }

    @Test("a stamp far in the future is adopted only up to the drift limit")
    func boundedDrift() {
        var clock = HybridLogicalClock(maxForwardDrift: 60_000)
        let observation = clock.observe(HLCTimestamp(wall: 10_000_000), now: 1_000_000)
        #expect(observation == .clamped(aheadBy: 9_000_000))
        #expect(clock.last.wall == 1_060_000)
        #expect(clock.tick(now: 1_000_000).wall == 1_060_000)
    }

    @Test("a terminal with a wrong wall clock is corrected by the server's time")
    func correction() {
        var clock = HybridLogicalClock()
        clock.correct(serverWall: 5_000_000, now: 1_000_000)   // terminal runs 4,000 s slow
        #expect(clock.tick(now: 1_000_100).wall == 5_000_100)
        clock.correct(serverWall: 2_000_500, now: 2_000_000)   // within tolerance: no correction
        #expect(clock.correction == 0)
    }

    @Test("version vectors: contains, advance, merge, dominance")
    func versionVector() {
        var vv = VersionVector([ReplicaID("B"): 2])
        #expect(vv.advance(ReplicaID("A")) == Dot(ReplicaID("A"), 1))
        #expect(vv.contains(Dot(ReplicaID("B"), 2)) && !vv.contains(Dot(ReplicaID("B"), 3)))
        let other = VersionVector([ReplicaID("B"): 5, ReplicaID("C"): 1])
        let merged = vv.merged(with: other)
        #expect(merged == VersionVector([ReplicaID("A"): 1, ReplicaID("B"): 5, ReplicaID("C"): 1]))
        #expect(merged.dominates(vv) && merged.dominates(other) && !vv.dominates(other))
        #expect(merged.entries.map(\.replica) == [ReplicaID("A"), ReplicaID("B"), ReplicaID("C")])
    }

    @Test("units: scope containment is by whole path components")
    func units() {
        #expect(UnitID("KH.P03.S012.B0456").isWithin(UnitID("KH.P03.S012")))
        #expect(UnitID("KH.P03.S012").isWithin(UnitID("KH.P03.S012")))
        #expect(!UnitID("KH.P03.S0123").isWithin(UnitID("KH.P03.S012")))
        #expect(UnitID("KH.P03.S012").parent == UnitID("KH.P03"))
        #expect(!UnitID("KH..S1").isWellFormed && UnitID("KH.P03").isWellFormed)
        for good in ["KH", "KH.P03.S012.B05", "A.B.C.D.E.F", "KH_1-2.x", String(repeating: "K", count: 64)] {
            #expect(UnitID(good).isWellFormed, "\(good)")
        }
        for bad in ["", ".", "KH.", ".KH", "A.B.C.D.E.F.G", "KH P03", "KH/P03", "KHé", String(repeating: "K", count: 65), "KH.P03\n"] {
            #expect(!UnitID(bad).isWellFormed, "\(bad)")
        }
    }
}
