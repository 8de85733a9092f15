/// The one source of randomness of a simulation run: SplitMix64 (Steele, Lea and Flood, 2014), so
/// that a seed replays the same run on every machine. Never `SystemRandomNumberGenerator`.
public struct SimulationRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `percent` / 100.
    public mutating func percent(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }

    public mutating func pick<Element>(_ elements: [Element]) -> Element {
        precondition(!elements.isEmpty)
        return elements[Int.random(in: 0..<elements.count, using: &self)]
    }

    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    public mutating func hex(_ count: Int) -> String {
        String((0..<count).map { _ in "0123456789abcdef".randomElement(using: &self)! })
    }

    /// An index drawn by weight.
    public mutating func weighted(_ weights: [Int]) -> Int {
        var roll = Int.random(in: 0..<max(1, weights.reduce(0, +)), using: &self)
        for (index, weight) in weights.enumerated() {
            if roll < weight { return index }
            roll -= weight
        }
        return weights.count - 1
    }
}
