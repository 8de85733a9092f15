/// A field's value: the JSON subset the protocol allows. There are no floating-point numbers
/// (coordinates are microdegrees, accuracy is whole metres) so that every value round-trips exactly and
/// two replicas always agree on whether two values are equal. There is no null: an absent value is an
/// empty field.
public enum FieldValue: Hashable, Sendable {
    /// A JSON string.
    case string(String)
    /// A JSON integer in Int64's range.
    case int(Int64)
    /// A JSON boolean.
    case bool(Bool)
    /// A JSON array.
    case list([FieldValue])
    /// A JSON object; member order carries no meaning.
    case object([String: FieldValue])

    /// The string, or nil for any other case.
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    /// The integer, or nil for any other case.
    public var intValue: Int64? { if case .int(let value) = self { value } else { nil } }
    /// The boolean, or nil for any other case.
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    /// The items, or nil for any other case.
    public var listValue: [FieldValue]? { if case .list(let value) = self { value } else { nil } }
    /// The members, or nil for any other case.
    public var objectValue: [String: FieldValue]? { if case .object(let value) = self { value } else { nil } }

    /// Nesting depth: 1 for a scalar. The wire decoder refuses values deeper than `maxDepth`.
    public var depth: Int {
        switch self {
        case .string, .int, .bool: 1
        case .list(let items): 1 + (items.map(\.depth).max() ?? 0)
        case .object(let members): 1 + (members.values.map(\.depth).max() ?? 0)
        }
    }

    /// The deepest nesting the protocol allows (8): `init(from:)` refuses deeper values.
    public static let maxDepth = 8
}

extension FieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    /// `.string(value)`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `.int(value)`.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// `.bool(value)`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension FieldValue: Codable {
    /// Decodes a bare JSON value into its case.
    ///
    /// - Throws: `DecodingError.dataCorrupted` for null, a number that does not decode as an Int64, or a
    ///   value nested deeper than `maxDepth`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Strings first: they are most values, and each failed attempt costs a thrown error.
        if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode([FieldValue].self) {
            self = .list(value)
        } else if let value = try? container.decode([String: FieldValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a field value is a string, an integer, a boolean, a list or an object")
        }
        guard depth <= Self.maxDepth else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "value nested deeper than \(Self.maxDepth)")
        }
    }

    /// Encodes the bare JSON value, with no case tag.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .list(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension FieldValue: CustomStringConvertible {
    /// For people, not for the wire: strings unquoted, object members sorted by name.
    public var description: String {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .bool(let value): String(value)
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .object(let members):
            "{" + members.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}
