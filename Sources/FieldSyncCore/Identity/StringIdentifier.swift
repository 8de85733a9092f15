/// The shape shared by the protocol's string identifiers: a wrapper that encodes as its bare string,
/// orders by bytes (every implementation must order ids alike) and prints as itself.
public protocol StringIdentifier: RawRepresentable, Hashable, Comparable, Sendable, Codable,
    CustomStringConvertible where RawValue == String {
    /// Wraps `rawValue` as it is. Never fails and never validates: the core checks the ids of every state
    /// it admits (`RecordSchema.wellFormednessProblem(of:)`), callers check others with `isWellFormed`.
    init(rawValue: String)
}

extension StringIdentifier {
    /// Wraps `rawValue` as it is: shorthand for `init(rawValue:)`.
    public init(_ rawValue: String) { self.init(rawValue: rawValue) }

    /// The raw string itself, unescaped. Print identifiers that came from the network through
    /// `FreeText.escaped(_:)`.
    public var description: String { rawValue }

    /// Byte order. Swift orders strings by the Unicode scalars of their NFC form, which is byte order
    /// for well-formed (ASCII) identifiers, and its ASCII fast path beats walking UTF-8 views.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
