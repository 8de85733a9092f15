import FieldSyncServer
import FieldSyncTesting
import Foundation
import Testing

@Suite("Storage deadline", .timeLimit(.minutes(1)))
struct DeadlineTests {
    @Test("an operation that never finishes and ignores cancellation is answered StorageTimeout by its deadline")
    func stuckOperation() async throws {
        // The operation never ends: reaching StorageTimeout at all shows the deadline did not wait for it
        // (a wait would hang until the suite's time limit). No wall-clock bound is asserted.
        await #expect(throws: StorageTimeout.self) {
            try await withDeadline(.milliseconds(200)) {
                // Ignores cancellation: the shape of a query stuck on a reset connection.
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
            }
        }
    }

    @Test("a result or an error within the deadline comes out as it is; the timeout hook does not run")
    func inTime() async throws {
        let hooked = LockedValue(false)
        #expect(try await withDeadline(.seconds(30), onTimeout: { hooked.update { $0 = true } }) { 42 } == 42)
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await withDeadline(.seconds(30), onTimeout: { hooked.update { $0 = true } }) { throw Boom() }
        }
        #expect(!hooked.get())
    }

    @Test("the timeout hook runs once when time runs out")
    func hookRuns() async throws {
        let hooked = LockedValue(false)
        await #expect(throws: StorageTimeout.self) {
            try await withDeadline(.milliseconds(50), onTimeout: { hooked.update { $0 = true } }) { try await Task.sleep(for: .seconds(60)) }
        }
        #expect(hooked.get())
    }

    @Test("cancelling the caller ends the wait at once")
    func callerCancelled() async throws {
        // The operation ignores cancellation and never ends; it says when it has begun, so the cancel
        // below lands while the deadline is waiting on it. Ending with CancellationError rather than the
        // deadline's StorageTimeout (after 60 s) is what shows the wait ended at the cancel.
        let (started, begun) = AsyncStream<Void>.makeStream()
        let task = Task {
            try await withDeadline(.seconds(60)) {
                begun.yield()
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
            }
        }
        var iterator = started.makeAsyncIterator()
        await iterator.next()
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
