/// An ordered state machine for one field. Among concurrent values the furthest state (highest rank)
/// wins; a write may only move along an allowed transition; reaching a locking state locks the record.
public struct Lifecycle: Sendable, Hashable {
    /// The states in rank order: later states are further along.
    public let states: [String]
    /// The state a new record starts in unless its creating write names another reachable one.
    public let initial: String
    /// Allowed single-step transitions.
    public let transitions: [String: Set<String>]
    /// States that lock the record: only addendum fields may change afterwards.
    public let lockingStates: Set<String>
    /// Fields that must hold a value when the record enters a state (e.g. a reason when voided).
    public let requirements: [String: [String]]

    /// A state machine. Traps (precondition) when `initial` or a transition names a state not in `states`:
    /// schemas are declared in code, so that is a programming error.
    public init(states: [String], initial: String, transitions: [String: Set<String>],
                lockingStates: Set<String> = [], requirements: [String: [String]] = [:]) {
        precondition(states.contains(initial), "initial state must be a state")
        precondition(transitions.keys.allSatisfy(states.contains) && transitions.values.allSatisfy { $0.allSatisfy(states.contains) },
                     "transitions name unknown states")
        self.states = states
        self.initial = initial
        self.transitions = transitions
        self.lockingStates = lockingStates
        self.requirements = requirements
    }

    /// How far along `state` is (its index in `states`), or nil for a state the machine does not have.
    public func rank(of state: String) -> Int? { states.firstIndex(of: state) }

    /// Whether a sequence of allowed transitions leads from `from` to `to` (a state reaches itself).
    /// Offline terminals push several steps at once, so the server checks reachability, not one step.
    public func canReach(_ to: String, from: String) -> Bool {
        if from == to { return true }
        var seen: Set<String> = [from]
        var frontier = [from]
        while let state = frontier.popLast() {
            for next in transitions[state] ?? [] where seen.insert(next).inserted {
                if next == to { return true }
                frontier.append(next)
            }
        }
        return false
    }
}
