/// The stable identity of one replica: a terminal's store or a server node.
///
/// Replica ids are issued by the server at enrollment and never reused. A terminal restored from a
/// backup or enrolled again gets a new id (see Protocol/SPEC.md, "Replica ids"), because reusing an id
/// could issue a dot that already names a different write.
public struct ReplicaID: StringIdentifier {
    /// The id, exactly as the server issued it.
    public let rawValue: String
    /// Wraps `rawValue` as it is, without checking it: see `isWellFormed`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Whether the id follows the protocol's rules: 1-64 bytes of `[A-Za-z0-9._-]`.
    public var isWellFormed: Bool { Identifier.isWellFormed(rawValue) }
}

enum Identifier {
    static func isWellFormed(_ value: String, maxLength: Int = 64) -> Bool {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F
        }
    }
}
