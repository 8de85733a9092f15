import FieldSyncCore
import FieldSyncStore
import Foundation

/// A stored record as `--json` prints it: the flags, the effective value of each field, and the full
/// state (every concurrent value with its dot, stamp and author) for tools that need it.
struct RecordView: Encodable {
    var id: String
    var type: String
    var status: String?
    var conflicted: Bool
    var pendingPush: Bool
    var createdAt: Int64
    var updatedAt: Int64
    var fields: [String: FieldValue]
    var state: RecordState

    init(_ record: StoredRecord) {
        id = record.id.rawValue
        type = record.type.rawValue
        status = record.status
        conflicted = record.conflicted
        pendingPush = record.pendingPush
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        var fields: [String: FieldValue] = [:]
        for field in record.schema.fields {
            switch record[field.name] {
            case .value(let value): fields[field.name] = value
            case .set(let elements): fields[field.name] = .list(elements)
            case .log(let entries): fields[field.name] = .list(entries.map(\.value))
            case .undecided(let entries): fields[field.name] = .list(entries.map(\.value))
            case nil: break
            }
        }
        self.fields = fields
        state = record.state
    }

    /// Every field with a value, one per line, then the flags.
    static func lines(_ record: StoredRecord) -> [String] {
        var lines = ["\(record.type.rawValue) \(record.id.rawValue)"
            + (record.conflicted ? "  [CONFLICT]" : "") + (record.pendingPush ? "  [not yet synced]" : "")]
        for field in record.schema.fields {
            guard let value = record[field.name] else { continue }
            lines.append("  \(Text.pad(field.name, 18)) \(Text.effective(value))")
        }
        lines.append("  \(Text.pad("created", 18)) \(Text.time(record.createdAt)), updated \(Text.time(record.updatedAt))")
        return lines
    }

    /// One line for `record list`.
    static func summary(_ record: StoredRecord) -> [String] {
        let (kind, headline): (String, String) = switch record.type {
        case .patrolSignIn: ("sign-in", record["checkpoint"]?.singleValue?.stringValue ?? "")
        case .householdVisit: ("visit", record["household"]?.singleValue?.stringValue ?? "")
        case .incidentReport: ("incident", record["receiptNumber"]?.singleValue?.stringValue ?? "")
        default: (record.type.rawValue, "")
        }
        let flags = (record.conflicted ? "C" : "-") + (record.pendingPush ? "P" : "-")
        return [record.id.rawValue, kind, record.status ?? "-", flags, headline]
    }
}

/// `--set field=value` as a write: the value is read as JSON when it parses (numbers, lists, objects,
/// quoted strings), else as plain text, so `--set severity=major` and `--set riskLevel=2` both work.
struct FieldAssignment {
    var field: String
    var value: FieldValue

    init(_ text: String) throws {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw CLIFailure(CLIFailure.usage, "--set takes field=value, e.g. --set severity=major (got '\(text)')")
        }
        field = String(text[..<equals])
        let raw = String(text[text.index(after: equals)...])
        let parsed = try? JSONDecoder().decode(FieldValue.self, from: Data(raw.utf8))
        value = parsed ?? .string(raw)
    }
}
