import FieldSyncClient
import FieldSyncTesting
import Testing

/// The retry schedule: exponential ceilings, capped, full jitter below them, a server's retry-after as floor.
@Suite struct BackoffTests {
    @Test func ceilingsDoubleFromTheBaseUpToTheCap() {
        let backoff = Backoff(baseMilliseconds: 1_000, capMilliseconds: 60_000, random: { $0 })
        let ceilings = (1...9).map { backoff.ceiling(afterFailures: $0) }
        #expect(ceilings == [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000])
        #expect(backoff.ceiling(afterFailures: 10_000) == 60_000, "no overflow after a week of failures")
    }

    @Test func delaysAreDrawnUniformlyBelowTheCeiling() {
        let asked = LockedValue<[Int64]>([])
        let backoff = Backoff(baseMilliseconds: 500, capMilliseconds: 10_000, random: { bound in
            asked.update { $0.append(bound) }
            return bound / 3
        })
        #expect(backoff.delay(afterFailures: 1) == 166)
        #expect(backoff.delay(afterFailures: 3) == 666)
        #expect(asked.get() == [500, 2_000])
    }

    @Test func theServersRetryAfterIsAFloor() {
        let backoff = Backoff(baseMilliseconds: 1_000, capMilliseconds: 60_000, random: { _ in 0 })
        #expect(backoff.delay(afterFailures: 1, retryAfterSeconds: 30) == 30_000)
        let late = Backoff(baseMilliseconds: 1_000, capMilliseconds: 60_000, random: { $0 })
        #expect(late.delay(afterFailures: 7, retryAfterSeconds: 5) == 60_000)
    }

    @Test func theSystemRandomSourceSpreadsTerminalsApart() {
        let backoff = Backoff(baseMilliseconds: 1_000, capMilliseconds: 60_000)
        let delays = (0..<200).map { _ in backoff.delay(afterFailures: 5) }
        #expect(delays.allSatisfy { (0...16_000).contains($0) })
        #expect(Set(delays).count > 100, "a city's terminals must not retry in lockstep")
    }
}
