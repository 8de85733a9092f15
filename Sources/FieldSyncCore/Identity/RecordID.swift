/// The identity of one record. Chosen by the replica that creates the record (a UUID in practice,
/// injected by the caller: the core makes no random numbers).
public struct RecordID: StringIdentifier {
    /// The id, exactly as written on the wire and in the store.
    public let rawValue: String
    /// Wraps `rawValue` as it is, without checking it: see `isWellFormed`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// 1-128 bytes of `[A-Za-z0-9._-]`.
    public var isWellFormed: Bool { Identifier.isWellFormed(rawValue, maxLength: 128) }
}
