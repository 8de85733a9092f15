import FieldSyncCore
@testable import FieldSyncServer
import FieldSyncTesting
import Foundation
import Synchronization
import Testing

/// The grouping rule of `PushGroupCommit`, with a stand-in transaction the test holds open: which batches
/// wait for the next group, which go together, and what a failed group costs.
@Suite("Push group commit")
struct PushGroupCommitTests {
    /// A transaction the test holds: the first group waits at the gate until it is opened.
    final class HeldTransactions: Sendable {
        let groups = Mutex<[[String]]>([])
        let entered: AsyncStream<Void>
        private let enteredContinuation: AsyncStream<Void>.Continuation
        private let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
        private let held = Mutex(true)
        /// A batch id that fails any transaction it shares with another batch (a storage error in its rows).
        let poison: String?

        init(poison: String? = nil) {
            self.poison = poison
            (entered, enteredContinuation) = AsyncStream.makeStream()
        }

        func open() {
            held.withLock { $0 = false }
            gate.withLock { $0.take() }?.resume()
        }

        func apply(_ group: [PendingPush]) async throws -> [Result<AppliedPush, any Error>] {
            let ids = group.map(\.batch.batchID)
            groups.withLock { $0.append(ids) }
            enteredContinuation.yield()
            if held.withLock({ $0 }) {
                await withCheckedContinuation { continuation in
                    let wait = held.withLock { $0 }
                    if wait { gate.withLock { $0 = continuation } } else { continuation.resume() }
                }
            }
            if let poison, ids.contains(poison) {
                guard ids.count == 1 else { throw CancellationError() }
                return [.failure(ServerError(.unavailable, "poisoned"))]
            }
            return group.map { push in .success(AppliedPush(results: push.batch.records.map {
                RecordResult(id: $0.id, outcome: .accepted(seq: 1))
            }, replayed: false)) }
        }
    }

    private static let factory = RecordFactory(replica: ReplicaID("t-group"), station: UnitID("KH.P03.S012"), now: 1_700_000_000_000)

    private func pending(_ batchID: String, replica: String, records: [String]) throws -> PendingPush {
        let states = try records.map { try Self.factory.patrolSignIn($0) }
        return PendingPush(batch: PushBatch(replica: ReplicaID(replica), batchID: batchID, fingerprint: batchID, records: states,
                                            receivedAt: 0), admit: { state, _ in .unchanged })
    }

    /// Submits `pushes` while `transactions` holds the first group, in order, each once queued.
    private func submitWhileHeld(_ committer: PushGroupCommit, _ transactions: HeldTransactions, first: PendingPush,
                                 then pushes: [PendingPush]) async throws -> [Result<AppliedPush, any Error>] {
        let apply: PushGroupCommit.Apply = { try await transactions.apply($0) }
        var entered = transactions.entered.makeAsyncIterator()
        let firstTask = Task { try await committer.submit(first, apply: apply) }
        await entered.next()
        var tasks: [Task<AppliedPush, any Error>] = []
        for push in pushes {
            let queued = committer.waiting
            tasks.append(Task { try await committer.submit(push, apply: apply) })
            while committer.waiting == queued { await Task.yield() }
        }
        transactions.open()
        _ = try await firstTask.value
        var results: [Result<AppliedPush, any Error>] = []
        for task in tasks { results.append(await task.result) }
        return results
    }

    @Test("batches that wait together go in one group, but never two naming one record, and a device's batches keep their order")
    func grouping() async throws {
        let committer = PushGroupCommit()
        let transactions = HeldTransactions()
        let results = try await submitWhileHeld(committer, transactions, first: try pending("a", replica: "t-1", records: ["r1"]), then: [
            try pending("b", replica: "t-2", records: ["r2", "r3"]),
            try pending("c", replica: "t-3", records: ["r3"]),
            try pending("d", replica: "t-3", records: ["r4"]),
            try pending("e", replica: "t-4", records: ["r5"]),
        ])
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        #expect(transactions.groups.withLock { $0 } == [["a"], ["b", "e"], ["c", "d"]])
        #expect(committer.applied.groups == 3 && committer.applied.batches == 5)
    }

    @Test("a group stops at its record limit; a bigger batch goes alone")
    func recordLimit() async throws {
        let committer = PushGroupCommit(maxRecords: 3)
        let transactions = HeldTransactions()
        _ = try await submitWhileHeld(committer, transactions, first: try pending("a", replica: "t-1", records: ["r1"]), then: [
            try pending("big", replica: "t-2", records: ["r2", "r3", "r4", "r5"]),
            try pending("b", replica: "t-3", records: ["r6", "r7"]),
            try pending("c", replica: "t-4", records: ["r8"]),
        ])
        #expect(transactions.groups.withLock { $0 } == [["a"], ["big"], ["b", "c"]])
    }

    @Test("a group whose transaction fails is applied again batch by batch: only the bad batch fails")
    func failedGroup() async throws {
        let committer = PushGroupCommit()
        let transactions = HeldTransactions(poison: "bad")
        let results = try await submitWhileHeld(committer, transactions, first: try pending("a", replica: "t-1", records: ["r1"]), then: [
            try pending("b", replica: "t-2", records: ["r2"]),
            try pending("bad", replica: "t-3", records: ["r3"]),
            try pending("c", replica: "t-4", records: ["r4"]),
        ])
        #expect(transactions.groups.withLock { $0 } == [["a"], ["b", "bad", "c"], ["b"], ["bad"], ["c"]])
        #expect((try? results[0].get()) != nil && (try? results[2].get()) != nil)
        guard case .failure(let error as ServerError) = results[1] else {
            Issue.record("the bad batch fails: \(results[1])")
            return
        }
        #expect(error.code == .unavailable)
    }
}
