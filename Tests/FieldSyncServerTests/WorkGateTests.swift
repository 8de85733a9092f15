import FieldSyncServer
import FieldSyncTesting
import Testing

/// The line device requests wait in: never more than its limit at work, the others served in arrival
/// order, and a place freed whatever the work did (returned or threw).
@Suite(.timeLimit(.minutes(1)))
struct WorkGateTests {
    /// Pieces of work that start, record it, and finish when the test lets them (or fail, if told to).
    final class Script: Sendable {
        let started = LockedValue<[Int]>([])
        let finishing = LockedValue<[Int: CheckedContinuation<Bool, Never>]>([:])

        func work(_ index: Int) async throws -> Int {
            started.update { $0.append(index) }
            let fails = await withCheckedContinuation { continuation in finishing.update { $0[index] = continuation } }
            if fails { throw CancellationError() }
            return index
        }

        /// Lets piece `index` finish, once it has started.
        func finish(_ index: Int, failing: Bool = false) async {
            while true {
                if let continuation = finishing.update({ $0.removeValue(forKey: index) }) {
                    continuation.resume(returning: failing)
                    return
                }
                await Task.yield()
            }
        }
    }

    static func until(_ condition: () async -> Bool) async {
        while await !condition() { await Task.yield() }
    }

    @Test func neverMoreThanTheLimitAtWorkAndTheRestInArrivalOrder() async throws {
        let gate = WorkGate(limit: 2)
        let script = Script()
        var tasks: [Task<Int?, Never>] = []
        for index in 0..<5 {
            tasks.append(Task { try? await gate.run { try await script.work(index) } })
            // The next one arrives only once this one is at work or in line.
            await Self.until { let load = await gate.load; return load.working + load.waiting == index + 1 }
        }
        await Self.until { script.started.get().count == 2 }
        #expect(script.started.get() == [0, 1])
        #expect(await gate.load == (working: 2, waiting: 3))

        await script.finish(1)
        await Self.until { script.started.get().count == 3 }
        #expect(script.started.get() == [0, 1, 2], "the first in line goes next")
        await script.finish(0, failing: true)
        await Self.until { script.started.get().count == 4 }
        #expect(script.started.get() == [0, 1, 2, 3], "work that throws frees its place too")
        #expect(await gate.load == (working: 2, waiting: 1))
        for index in 2..<5 { await script.finish(index) }
        var results: [Int?] = []
        for task in tasks { results.append(await task.value) }
        #expect(results == [nil, 1, 2, 3, 4])
        #expect(await gate.load == (working: 0, waiting: 0))
    }
}
