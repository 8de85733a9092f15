/// One node's wall clock in the simulation: the simulation's true time plus this node's error, which the
/// scheduler sets to hours of skew or steps backwards, as a badly set or NTP-stepped clock does.
public final class SimulatedClock: Sendable {
    private let trueTime: LockedValue<Int64>
    private let error = LockedValue<Int64>(0)

    init(trueTime: LockedValue<Int64>) { self.trueTime = trueTime }

    public var now: Int64 { trueTime.get() + error.get() }
    public var offset: Int64 { error.get() }

    public func setOffset(_ milliseconds: Int64) { error.update { $0 = milliseconds } }
    public func step(by milliseconds: Int64) { error.update { $0 += milliseconds } }
}
