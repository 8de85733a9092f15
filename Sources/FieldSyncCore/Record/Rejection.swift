/// Why a write or a pushed record state is refused. A rejection is data: the terminal keeps the
/// rejected values in its rejected table and the server keeps them in quarantine, so nothing is lost.
/// On the wire: `{"code": "locked", "fields": ["narrative"], "message": "..."}`.
public struct Rejection: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    /// What kind of rule failed: the code to switch on.
    public var code: RejectionCode
    /// The fields at fault, sorted (empty when the whole record is at fault).
    public var fields: [String]
    /// A sentence for a person: what is wrong and, where it helps, what to do.
    public var message: String

    /// A rejection for `fields` (stored sorted, so equal rejections compare equal).
    public init(_ code: RejectionCode, fields: [String] = [], message: String) {
        self.code = code
        self.fields = fields.sorted()
        self.message = message
    }

    /// `code: message`, or `code [field, ...]: message`.
    public var description: String {
        fields.isEmpty ? "\(code.rawValue): \(message)" : "\(code.rawValue) [\(fields.joined(separator: ", "))]: \(message)"
    }
}

/// The reason codes of Protocol/SPEC.md. Unknown codes from a newer peer decode as themselves, so a
/// v1 client can still show and store them.
public struct RejectionCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The code on the wire, e.g. `locked`.
    public let rawValue: String
    /// Any code, known or not.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The raw code.
    public var description: String { rawValue }

    /// The type is not in the replica's registry.
    public static let unknownRecordType = RejectionCode(rawValue: "unknownRecordType")
    /// The state's schema version is outside the schema's `supportedVersions`.
    public static let unsupportedSchemaVersion = RejectionCode(rawValue: "unsupportedSchemaVersion")
    /// The state or write names a field the schema does not declare.
    public static let unknownField = RejectionCode(rawValue: "unknownField")
    /// A new value does not fit its field's `ValueKind`, or an operation does not apply to its policy.
    public static let invalidValue = RejectionCode(rawValue: "invalidValue")
    /// A required field, or one the lifecycle state entered requires, holds nothing; or a field with a
    /// change log (`FieldSchema.changeLoggedIn`) changed without a new log entry.
    public static let missingField = RejectionCode(rawValue: "missingField")
    /// A field set at creation (`immutable`) was written or cleared later.
    public static let immutableField = RejectionCode(rawValue: "immutableField")
    /// A non-addendum field of a locked record changed.
    public static let locked = RejectionCode(rawValue: "locked")
    /// The lifecycle's new state is not reachable from the old one (a local write: not one allowed step).
    public static let illegalTransition = RejectionCode(rawValue: "illegalTransition")
    /// An append-log entry was dropped.
    public static let appendOnly = RejectionCode(rawValue: "appendOnly")
    /// Broken invariants, a dot that disagrees with the stored write, a record id stored as another type,
    /// or stored values changed without a new write of the pusher's own.
    public static let malformedState = RejectionCode(rawValue: "malformedState")
    /// New values attributed to another replica, or a vector claiming another replica's unseen writes.
    public static let foreignDot = RejectionCode(rawValue: "foreignDot")
    /// New writes are stamped further in the future than the server tolerates.
    public static let clockSkew = RejectionCode(rawValue: "clockSkew")
    /// The record is outside the terminal's scopes (a server rule: the core never returns it).
    public static let outOfScope = RejectionCode(rawValue: "outOfScope")

    /// Every code this version defines, for documentation and tests.
    public static let all: [RejectionCode] = [
        .unknownRecordType, .unsupportedSchemaVersion, .unknownField, .invalidValue, .missingField,
        .immutableField, .locked, .illegalTransition, .appendOnly, .malformedState, .foreignDot, .clockSkew,
        .outOfScope,
    ]

    /// Decodes a bare string; unknown codes are kept as they are.
    /// - Throws: `DecodingError` for a non-string.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the bare string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
