import FieldSyncCore
import Foundation

/// A direct JSON writer for `RecordState`, producing the same document as its `Codable` form (keys
/// sorted, no whitespace). Foundation's `JSONEncoder` spends most of a push batch's serial time on the
/// generic encoding machinery; this writes bytes straight into one buffer. Tests decode its output with
/// `JSONDecoder` and compare, so both forms stay interchangeable.
enum RecordStateJSON {
    static func encode(_ state: RecordState) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(1_024)
        write(state, into: &out)
        return Data(out)
    }

    static func write(_ state: RecordState, into out: inout [UInt8]) {
        append("{\"fields\":{", &out)
        var first = true
        for name in state.fields.keys.sorted() {
            if !first { out.append(0x2C) }
            first = false
            string(name, &out)
            out.append(0x3A)
            out.append(0x5B)
            for (index, entry) in state.fields[name]!.enumerated() {
                if index > 0 { out.append(0x2C) }
                append("{\"by\":", &out)
                string(entry.author.rawValue, &out)
                append(",\"dot\":[", &out)
                string(entry.dot.replica.rawValue, &out)
                out.append(0x2C)
                append(String(entry.dot.counter), &out)
                append("],\"stamp\":[", &out)
                append(String(entry.stamp.wall), &out)
                out.append(0x2C)
                append(String(entry.stamp.logical), &out)
                append("],\"value\":", &out)
                value(entry.value, &out)
                out.append(0x7D)
            }
            out.append(0x5D)
        }
        append("},\"id\":", &out)
        string(state.id.rawValue, &out)
        append(",\"schemaVersion\":", &out)
        append(String(state.schemaVersion), &out)
        append(",\"type\":", &out)
        string(state.type.rawValue, &out)
        append(",\"vv\":{", &out)
        for (index, entry) in state.context.entries.enumerated() {
            if index > 0 { out.append(0x2C) }
            string(entry.replica.rawValue, &out)
            out.append(0x3A)
            append(String(entry.counter), &out)
        }
        append("}}", &out)
    }

    private static func value(_ value: FieldValue, _ out: inout [UInt8]) {
        switch value {
        case .string(let text): string(text, &out)
        case .int(let number): append(String(number), &out)
        case .bool(let flag): append(flag ? "true" : "false", &out)
        case .list(let items):
            out.append(0x5B)
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(0x2C) }
                self.value(item, &out)
            }
            out.append(0x5D)
        case .object(let members):
            out.append(0x7B)
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out.append(0x2C) }
                string(key, &out)
                out.append(0x3A)
                self.value(members[key]!, &out)
            }
            out.append(0x7D)
        }
    }

    @inline(__always)
    private static func append(_ text: String, _ out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    /// A JSON string literal: quote, backslash and control characters escaped; other bytes as UTF-8.
    private static func string(_ text: String, _ out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0x00..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }
}
