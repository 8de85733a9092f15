import NIOCore

/// At most `limit` pieces of work at once; the others wait their turn, in arrival order.
///
/// The device routes (push, pull, sync) run behind one: what a request costs the server's memory (its
/// body, the decoded batch, the page it builds and compresses) is held while it works, so a storm of
/// thousands of terminals costs `limit` of those at a time, whether each keeps one request in flight or
/// sends the next while it applies a page. The cores are busy either way; waiting in line instead of
/// working side by side changes who finishes first, not when the last one does.
public actor WorkGate {
    /// How many may work at once.
    public let limit: Int
    private var working = 0
    private var waiting = CircularBuffer<CheckedContinuation<Void, Never>>()

    /// A gate of `limit` places (at least 1).
    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// How many work now, and how many wait.
    public var load: (working: Int, waiting: Int) { (working, waiting.count) }

    /// Runs `body` once a place is free, and frees it after, whatever `body` does.
    public func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await enter()
        do {
            let result = try await body()
            leave()
            return result
        } catch {
            leave()
            throw error
        }
    }

    private func enter() async {
        if working < limit {
            working += 1
            return
        }
        // The place is handed over by `leave`: `working` stays as it is.
        await withCheckedContinuation { waiting.append($0) }
    }

    private func leave() {
        if let next = waiting.popFirst() {
            next.resume()
        } else {
            working -= 1
        }
    }
}
