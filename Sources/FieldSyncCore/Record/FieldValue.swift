/// A field's value: the JSON subset the protocol allows. There are no floating-point numbers
/// (coordinates are microdegrees, accuracy is whole metres) so that every value round-trips exactly and
/// two replicas always agree on whether two values are equal. There is no null: an absent value is an
/// empty field.
public enum FieldValue: Hashable, Sendable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case list([FieldValue])
    case object([String: FieldValue])

    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    public var intValue: Int64? { if case .int(let value) = self { value } else { nil } }
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var listValue: [FieldValue]? { if case .list(let value) = self { value } else { nil } }
    public var objectValue: [String: FieldValue]? { if case .object(let value) = self { value } else { nil } }

    /// Nesting depth: 1 for a scalar. The wire decoder refuses values deeper than `maxDepth`.
    public var depth: Int {
        switch self {
        case .string, .int, .bool: 1
        case .list(let items): 1 + (items.map(\.depth).max() ?? 0)
        case .object(let members): 1 + (members.values.map(\.depth).max() ?? 0)
        }
    }

    public static let maxDepth = 8
}

extension FieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension FieldValue: Codable {
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
