import Dispatch
@testable import FieldSyncStore
import Foundation
import Testing

/// `TerminalStore.pipelined`: how a pulled page's rows are prepared on background threads while the
/// writer stores the ones ready.
@Suite("Rows prepared while others are written", .timeLimit(.minutes(1)))
struct PipelinedPrepareTests {
    @Test("every index is consumed once, in order, whatever the chunking", arguments: [0, 1, 255, 256, 257, 1_000, 4_801])
    func inOrder(count: Int) throws {
        var seen: [Int] = []
        try TerminalStore.pipelined(0..<count, prepare: { $0 * 2 }) { index, doubled in
            #expect(doubled == index * 2)
            seen.append(index)
        }
        #expect(seen == Array(0..<count))
    }

    @Test("an error preparing one index reaches the consumer at that index, after every earlier one")
    func prepareError() {
        struct Bad: Error {}
        var seen = 0
        #expect(throws: Bad.self) {
            try TerminalStore.pipelined(0..<2_000, prepare: { index in if index == 1_300 { throw Bad() }; return index }) { _, _ in seen += 1 }
        }
        #expect(seen == 1_300)
    }

    /// Every thread of the pool the preparing work is sent to is blocked (as when several terminals in
    /// one process apply pages at once, each holding a pool thread in the writer's queue): the consumer
    /// prepares the chunks nobody claimed itself instead of waiting for threads that never come. The
    /// suite's time limit ends a regression that waits forever.
    @Test("with every pool thread blocked, the consumer prepares the chunks itself and finishes")
    func poolBlocked() throws {
        let release = DispatchSemaphore(value: 0)
        let blockers = ProcessInfo.processInfo.activeProcessorCount * 4
        let started = DispatchSemaphore(value: 0)
        for _ in 0..<blockers {
            DispatchQueue.global(qos: .userInitiated).async {
                started.signal()
                release.wait()
            }
        }
        defer { for _ in 0..<blockers { release.signal() } }
        for _ in 0..<ProcessInfo.processInfo.activeProcessorCount { started.wait() }
        // Which indices the consumer's own thread prepared: with no pool thread free, those of every chunk
        // it reached before one was (a consumer that only waited prepared none, and stalled until
        // libdispatch grew its pool: seconds, not a failure, so that is not what this counts).
        let consumer = pthread_self()
        let preparedHere = LockedCount()
        var sum = 0
        try TerminalStore.pipelined(0..<3_000, prepare: { index in
            if pthread_equal(pthread_self(), consumer) != 0 { preparedHere.add() }
            return index
        }) { _, value in sum += value }
        #expect(sum == (0..<3_000).reduce(0, +))
        #expect(preparedHere.value > 0)
    }
}

private final class LockedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
