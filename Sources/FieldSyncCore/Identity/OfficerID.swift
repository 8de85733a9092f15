/// An officer, named by badge number. Terminals are shared, so every write names its officer.
public struct OfficerID: StringIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// 1-32 bytes of `[A-Za-z0-9._-]`.
    public var isWellFormed: Bool { Identifier.isWellFormed(rawValue, maxLength: 32) }
}
