import Synchronization

/// A storage step that did not finish in time: the database is unreachable or stuck. The service answers
/// `unavailable` (retry later); the batch was not committed, or was committed and its replay answers.
public struct StorageTimeout: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "the database did not answer within \(limit)" }
}

/// Runs `operation` on a task of its own and answers by `limit` at the latest. When time runs out the
/// operation is cancelled and `StorageTimeout` thrown at once, without waiting for an operation that ignores
/// cancellation (a query on a connection whose peer vanished may never complete). `onTimeout` runs then too.
package func withDeadline<T: Sendable>(_ limit: Duration, onTimeout: @escaping @Sendable () -> Void = {},
                               _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            race.begin(continuation)
            let work = Task {
                do {
                    race.finish(.success(try await operation()))
                } catch {
                    race.finish(.failure(error))
                }
            }
            let timer = Task {
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                // Winning with a failure cancels the operation (DeadlineRace.finish).
                if race.finish(.failure(StorageTimeout(limit: limit))) { onTimeout() }
            }
            race.attach(work: work, timer: timer)
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of the operation, the timer and the caller's cancellation to finish resumes the caller; the
/// others then find nothing to do. The winner cancels the other tasks.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var pending: Result<T, any Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
        var done = false
    }

    private let state = Mutex(State())

    func begin(_ continuation: CheckedContinuation<T, any Error>) {
        let pending: Result<T, any Error>? = state.withLock { state in
            if let pending = state.pending { return pending }
            state.continuation = continuation
            return nil
        }
        if let pending { continuation.resume(with: pending) }
    }

    func attach(work: Task<Void, Never>, timer: Task<Void, Never>) {
        let done = state.withLock { state in
            state.work = work
            state.timer = timer
            return state.done
        }
        if done {
            timer.cancel()
            work.cancel()
        }
    }

    /// Returns whether this call decided the outcome.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let (won, continuation, work, timer): (Bool, CheckedContinuation<T, any Error>?, Task<Void, Never>?, Task<Void, Never>?) =
            state.withLock { state in
                guard !state.done else { return (false, nil, nil, nil) }
                state.done = true
                let continuation = state.continuation
                state.continuation = nil
                if continuation == nil { state.pending = result }
                return (true, continuation, state.work, state.timer)
            }
        guard won else { return false }
        timer?.cancel()
        if case .failure = result { work?.cancel() }
        continuation?.resume(with: result)
        return true
    }
}
