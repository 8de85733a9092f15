import ArgumentParser
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

    /// One line for `record list`: the record's type, and what names it to a person, as its schema says:
    /// its receipt number (the unique field), else its first required immutable text (a checkpoint, a
    /// household).
    static func summary(_ record: StoredRecord) -> [String] {
        let fields = record.schema.fields
        let headline = record.schema.uniqueField ?? fields.first { field in
            guard field.required, case .immutable = field.policy, case .text = field.kind else { return false }
            return true
        }
        let flags = (record.conflicted ? "C" : "-") + (record.pendingPush ? "P" : "-")
        return [record.id.rawValue, record.type.rawValue, record.status ?? "-", flags,
                headline.flatMap { record[$0.name]?.singleValue?.stringValue } ?? ""]
    }
}

/// `--set field=value` as a write: the value is read as JSON when it parses (numbers, lists, objects,
/// quoted strings), else as plain text, so `--set severity=major` and `--set riskLevel=2` both work.
/// A malformed one is a usage error: commands check theirs in `validate()` (`validate(_:)`).
struct FieldAssignment {
    var field: String
    var value: FieldValue

    /// Throws the usage error of the first malformed assignment, as `validate()` must (`ValidationError`).
    static func validate(_ texts: [String]) throws {
        for text in texts {
            do { _ = try FieldAssignment(text) } catch let failure as CLIFailure { throw ValidationError(failure.description) }
        }
    }

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
