/// How often each fault and event happened in a run (or a set of runs), by name.
public final class SimulationStats: Sendable {
    private let counts = LockedValue<[String: Int]>([:])

    public init() {}

    public func count(_ event: String, by amount: Int = 1) { counts.update { $0[event, default: 0] += amount } }
    public var snapshot: [String: Int] { counts.get() }
    public func add(_ other: SimulationStats) { for (event, amount) in other.snapshot { count(event, by: amount) } }

    /// One line per event, sorted by name.
    public var summary: String {
        snapshot.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
    }
}
