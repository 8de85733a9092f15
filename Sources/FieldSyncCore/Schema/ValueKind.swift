/// What a field's values may be. Checked on every new value, locally and on the server.
public indirect enum ValueKind: Sendable, Hashable {
    /// UTF-8 text of 1...maxLength bytes.
    case text(maxLength: Int)
    /// One of a fixed list of codes.
    case code([String])
    /// An integer within the range.
    case integer(ClosedRange<Int64>)
    /// Milliseconds since 1970-01-01T00:00:00Z.
    case timestamp
    /// A boolean.
    case bool
    /// A well-formed `UnitID` code.
    case unit
    /// A well-formed `OfficerID` badge number.
    case officer
    /// Taiwanese national ID or resident certificate number: a letter, then 9 characters.
    case nationalID
    /// A phone number: 6-20 of digits, spaces, `+`, `-`, `(`, `)`.
    case phone
    /// A content hash, `sha256:` then 64 lower-case hex digits.
    case contentHash
    /// A list of 1...maxCount items, each of the given kind.
    case list(ValueKind, maxCount: Int)
    /// An object with the given members; `required` must be present, no others allowed.
    case object([String: ValueKind], required: Set<String>)

    /// A location: latitude and longitude in microdegrees.
    public static let geoPoint = ValueKind.object(
        ["lat": .integer(-90_000_000...90_000_000), "lon": .integer(-180_000_000...180_000_000)],
        required: ["lat", "lon"])

    /// Why `value` does not conform, or nil when it does.
    public func problem(with value: FieldValue) -> String? {
        switch (self, value) {
        case (.text(let maxLength), .string(let text)):
            if text.isEmpty { return "is empty" }
            return text.utf8.count > maxLength ? "is longer than \(maxLength) bytes" : nil
        case (.code(let codes), .string(let code)):
            return codes.contains(code) ? nil : "'\(code)' is not one of \(codes.joined(separator: ", "))"
        case (.integer(let range), .int(let number)):
            return range.contains(number) ? nil : "\(number) is outside \(range.lowerBound)...\(range.upperBound)"
        case (.timestamp, .int(let millis)):
            // 2000-01-01 ... 2100-01-01: anything else is a broken clock or a unit mistake (seconds).
            return (946_684_800_000...4_102_444_800_000).contains(millis) ? nil : "\(millis) is not a plausible time"
        case (.bool, .bool):
            return nil
        case (.unit, .string(let code)):
            return UnitID(code).isWellFormed ? nil : "'\(code)' is not a unit code"
        case (.officer, .string(let badge)):
            return OfficerID(badge).isWellFormed ? nil : "'\(badge)' is not a badge number"
        case (.nationalID, .string(let id)):
            return Self.isNationalID(id) ? nil : "is not a national ID number"
        case (.phone, .string(let phone)):
            let allowed = Set("0123456789 +-()")
            return (6...20).contains(phone.count) && phone.allSatisfy(allowed.contains) ? nil : "is not a phone number"
        case (.contentHash, .string(let hash)):
            return Self.isContentHash(hash) ? nil : "is not sha256: and 64 lower-case hex digits"
        case (.list(let element, let maxCount), .list(let items)):
            if items.isEmpty { return "is empty" }
            if items.count > maxCount { return "has more than \(maxCount) items" }
            for (index, item) in items.enumerated() {
                if let problem = element.problem(with: item) { return "item \(index + 1) \(problem)" }
            }
            return nil
        case (.object(let members, let required), .object(let object)):
            for key in required where object[key] == nil { return "lacks '\(key)'" }
            for (key, member) in object.sorted(by: { $0.key < $1.key }) {
                guard let kind = members[key] else { return "has unknown member '\(key)'" }
                if let problem = kind.problem(with: member) { return "member '\(key)' \(problem)" }
            }
            return nil
        default:
            return "is not \(name)"
        }
    }

    /// A short name for messages and for Protocol/SPEC.md.
    public var name: String {
        switch self {
        case .text: "text"
        case .code: "a code"
        case .integer: "an integer"
        case .timestamp: "a timestamp"
        case .bool: "a boolean"
        case .unit: "a unit code"
        case .officer: "a badge number"
        case .nationalID: "a national ID number"
        case .phone: "a phone number"
        case .contentHash: "a content hash"
        case .list: "a list"
        case .object: "an object"
        }
    }

    static func isNationalID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard bytes.count == 10, (0x41...0x5A).contains(bytes[0]) else { return false }
        let second = bytes[1]
        guard (0x30...0x39).contains(second) || (0x41...0x44).contains(second) else { return false }
        return bytes[2...].allSatisfy { (0x30...0x39).contains($0) }
    }

    static func isContentHash(_ hash: String) -> Bool {
        guard hash.hasPrefix("sha256:") else { return false }
        let hex = hash.utf8.dropFirst(7)
        return hex.count == 64 && hex.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
