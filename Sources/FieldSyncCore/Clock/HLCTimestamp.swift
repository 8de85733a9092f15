/// A hybrid logical clock stamp: wall-clock milliseconds since 1970 (UTC) and a logical counter that
/// orders stamps taken within the same millisecond or after observing a stamp from the future.
/// On the wire: `[wall, logical]`.
public struct HLCTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z, as corrected by the issuing clock.
    public var wall: Int64
    /// Orders stamps that share `wall`.
    public var logical: UInt32

    /// A stamp as given.
    public init(wall: Int64, logical: UInt32 = 0) {
        self.wall = wall
        self.logical = logical
    }

    /// `[0, 0]`: earlier than any stamp a clock issues; the latest stamp of an empty state.
    public static let zero = HLCTimestamp(wall: 0)

    /// By `wall`, then `logical`.
    public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool {
        lhs.wall != rhs.wall ? lhs.wall < rhs.wall : lhs.logical < rhs.logical
    }

    /// `wall.logical`, e.g. `1717000000000.2`.
    public var description: String { "\(wall).\(logical)" }
}

extension HLCTimestamp: Codable {
    /// Decodes `[wall, logical]`.
    /// - Throws: `DecodingError` for any other shape or out-of-range numbers.
    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        wall = try container.decode(Int64.self)
        logical = try container.decode(UInt32.self)
        guard container.isAtEnd else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a stamp has two elements")
        }
    }

    /// Encodes `[wall, logical]`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(wall)
        try container.encode(logical)
    }
}
