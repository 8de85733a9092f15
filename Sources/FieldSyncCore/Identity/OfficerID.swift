/// An officer, named by badge number. Terminals are shared, so every write names its officer.
public struct OfficerID: StringIdentifier {
    /// The badge number, exactly as written on the wire and in the store.
    public let rawValue: String
    /// Wraps `rawValue` as it is, without checking it: see `isWellFormed`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// 1-32 bytes of `[A-Za-z0-9._-]`.
    public var isWellFormed: Bool { Identifier.isWellFormed(rawValue, maxLength: 32) }
}
