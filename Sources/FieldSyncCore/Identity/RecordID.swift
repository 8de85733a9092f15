/// The identity of one record. Chosen by the replica that creates the record (a UUID in practice,
/// injected by the caller: the core makes no random numbers).
public struct RecordID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
    public var isWellFormed: Bool { Identifier.isWellFormed(rawValue, maxLength: 128) }

    public static func < (lhs: RecordID, rhs: RecordID) -> Bool {
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
