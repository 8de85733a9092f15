/// Why a write or a pushed record state is refused. A rejection is data: the terminal keeps the
/// rejected values in its rejected table and the server keeps them in quarantine, so nothing is lost.
/// On the wire: `{"code": "locked", "fields": ["narrative"], "message": "..."}`.
public struct Rejection: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public var code: RejectionCode
    /// The fields at fault, sorted (empty when the whole record is at fault).
    public var fields: [String]
    /// A sentence for a person: what is wrong and, where it helps, what to do.
    public var message: String

    public init(_ code: RejectionCode, fields: [String] = [], message: String) {
        self.code = code
        self.fields = fields.sorted()
        self.message = message
    }

    public var description: String {
        fields.isEmpty ? "\(code.rawValue): \(message)" : "\(code.rawValue) [\(fields.joined(separator: ", "))]: \(message)"
    }
}

/// The reason codes of Protocol/SPEC.md. Unknown codes from a newer peer decode as themselves, so a
/// v1 client can still show and store them.
public struct RejectionCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let unknownRecordType = RejectionCode(rawValue: "unknownRecordType")
    public static let unsupportedSchemaVersion = RejectionCode(rawValue: "unsupportedSchemaVersion")
    public static let unknownField = RejectionCode(rawValue: "unknownField")
    public static let invalidValue = RejectionCode(rawValue: "invalidValue")
    public static let missingField = RejectionCode(rawValue: "missingField")
    public static let immutableField = RejectionCode(rawValue: "immutableField")
    public static let locked = RejectionCode(rawValue: "locked")
    public static let illegalTransition = RejectionCode(rawValue: "illegalTransition")
    public static let appendOnly = RejectionCode(rawValue: "appendOnly")
    public static let malformedState = RejectionCode(rawValue: "malformedState")
    public static let foreignDot = RejectionCode(rawValue: "foreignDot")
    public static let clockSkew = RejectionCode(rawValue: "clockSkew")
    public static let outOfScope = RejectionCode(rawValue: "outOfScope")

    /// Every code this version defines, for documentation and tests.
    public static let all: [RejectionCode] = [
        .unknownRecordType, .unsupportedSchemaVersion, .unknownField, .invalidValue, .missingField,
        .immutableField, .locked, .illegalTransition, .appendOnly, .malformedState, .foreignDot, .clockSkew,
        .outOfScope,
    ]

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
