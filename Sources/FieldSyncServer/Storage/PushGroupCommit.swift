import FieldSyncCore
import Synchronization

/// One push batch waiting for the transaction that applies it, with the service's admission rule
/// (`SyncService.preparePush`).
package struct PendingPush: Sendable {
    package var batch: PushBatch
    package var admit: @Sendable (RecordState, ServerRecord?) -> Admission

    package init(batch: PushBatch, admit: @escaping @Sendable (RecordState, ServerRecord?) -> Admission) {
        self.batch = batch
        self.admit = admit
    }
}

/// A backend that applies push batches in groups, one transaction each (`PushGroupCommit`). Tests hand
/// it a group directly, since which batches arrive together is otherwise the scheduler's to decide.
package protocol PushGroupApplying: SyncStorage {
    /// Applies `group` in one transaction: one result per batch, in order; a batch that fails (revoked,
    /// a reused batch id) fails alone. Throws when the transaction as a whole failed (nothing stored).
    /// The group's batches must share no record.
    func applyGroup(_ group: [PendingPush]) async throws -> [Result<AppliedPush, any Error>]
}

/// Group commit: push batches that arrive while a transaction is being written wait for the next
/// transaction, and it applies all of them, each batch still all or nothing. A reconnect storm's
/// thousand 50-record batches then share a few commits instead of paying one each: one write
/// transaction, one audit head read, one signed checkpoint, one WAL sync (SQLite) or one head lock
/// and one fsync (PostgreSQL) per group.
///
/// A group never holds two batches that name the same record, so a backend may decide every batch of
/// a group against the records as stored before the group (PostgreSQL plans them all before it takes
/// the head lock); a batch that shares a record with the group waits for the next one, and so does
/// every later batch of the same device, so one device's batches commit in the order they arrived.
/// A group that fails as a whole (a storage error in one batch's writes) is applied again one batch
/// per transaction, so one device's bad batch never costs another device its push.
final class PushGroupCommit: Sendable {
    /// Applies a group in one transaction: one result per batch, in order. Throws when the transaction failed.
    typealias Apply = @Sendable ([PendingPush]) async throws -> [Result<AppliedPush, any Error>]

    private struct Waiting {
        var push: PendingPush
        var continuation: CheckedContinuation<AppliedPush, any Error>
    }

    private struct State {
        var queue: [Waiting] = []
        var draining = false
    }

    private let state = Mutex(State())
    /// A group stops growing at this many records (a larger batch goes alone).
    let maxRecords: Int
    private let groups = Mutex<(count: Int, batches: Int)>((0, 0))

    init(maxRecords: Int = 10_000) {
        self.maxRecords = maxRecords
    }

    /// Batches queued for the next group.
    var waiting: Int { state.withLock { $0.queue.count } }

    /// How many groups were applied and how many batches they held (for tests and benchmarks).
    var applied: (groups: Int, batches: Int) { groups.withLock { ($0.count, $0.batches) } }

    /// Applies `push` in the next group's transaction and returns its answer once that transaction
    /// committed. The first batch to arrive while none is being written starts the writer; later ones join.
    func submit(_ push: PendingPush, apply: @escaping Apply) async throws -> AppliedPush {
        try await withCheckedThrowingContinuation { continuation in
            let starts = state.withLock { state in
                state.queue.append(Waiting(push: push, continuation: continuation))
                defer { state.draining = true }
                return !state.draining
            }
            if starts { Task { await self.drain(apply) } }
        }
    }

    private func drain(_ apply: Apply) async {
        while let group = nextGroup() {
            groups.withLock { $0.count += 1; $0.batches += group.count }
            let results: [Result<AppliedPush, any Error>]
            do {
                results = try await apply(group.map(\.push))
                precondition(results.count == group.count, "a group's transaction answered \(results.count) of \(group.count) batches")
            } catch where group.count > 1 {
                // One batch's writes failed the whole transaction: each batch alone, so the others still land.
                var alone: [Result<AppliedPush, any Error>] = []
                for waiting in group {
                    do { alone.append(try await apply([waiting.push])[0]) } catch { alone.append(.failure(error)) }
                }
                results = alone
            } catch {
                results = [.failure(error)]
            }
            for (waiting, result) in zip(group, results) { waiting.continuation.resume(with: result) }
        }
    }

    /// Takes the next group off the queue (batches in arrival order that share no record and fit
    /// `maxRecords`), or ends the drain when the queue is empty.
    private func nextGroup() -> [Waiting]? {
        state.withLock { state in
            guard !state.queue.isEmpty else {
                state.draining = false
                return nil
            }
            var group: [Waiting] = []
            var rest: [Waiting] = []
            var records = Set<RecordID>()
            var deferred = Set<ReplicaID>()
            for waiting in state.queue {
                let batch = waiting.push.batch
                let fits = group.isEmpty || (records.count + batch.records.count <= maxRecords
                                             && !deferred.contains(batch.replica)
                                             && !batch.records.contains { records.contains($0.id) })
                if fits {
                    group.append(waiting)
                    records.formUnion(batch.records.map(\.id))
                } else {
                    rest.append(waiting)
                    deferred.insert(batch.replica)
                }
            }
            state.queue = rest
            return group
        }
    }
}
