import Synchronization

/// A value behind a mutex, for test doubles shared across tasks.
public final class LockedValue<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) { mutex = Mutex(value) }

    public func get() -> Value { mutex.withLock { $0 } }
    public func update<T>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
