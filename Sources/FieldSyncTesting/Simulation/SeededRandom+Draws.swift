/// The draws a simulation makes from its one seeded stream (never `SystemRandomNumberGenerator`), so
/// that a seed replays the same run on every machine.
extension SeededRandom {
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
