/// A hybrid logical clock stamp: wall-clock milliseconds since 1970 (UTC) and a logical counter that
/// orders stamps taken within the same millisecond or after observing a stamp from the future.
/// On the wire: `[wall, logical]`.
public struct HLCTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var wall: Int64
    public var logical: UInt32

    public init(wall: Int64, logical: UInt32 = 0) {
        self.wall = wall
        self.logical = logical
    }

    public static let zero = HLCTimestamp(wall: 0)

    public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool {
        lhs.wall != rhs.wall ? lhs.wall < rhs.wall : lhs.logical < rhs.logical
    }

    public var description: String { "\(wall).\(logical)" }
}

extension HLCTimestamp: Codable {
    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        wall = try container.decode(Int64.self)
        logical = try container.decode(UInt32.self)
        guard container.isAtEnd else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a stamp has two elements")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(wall)
        try container.encode(logical)
    }
}
