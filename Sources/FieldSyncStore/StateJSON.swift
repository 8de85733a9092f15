import FieldSyncCore
import Foundation

/// The JSON of a stored record state, written and read by hand.
///
/// It is the same JSON as the wire's `RecordState` Codable form (`WireCoding` can read what this writes
/// and the reverse; a test holds both ways), but Foundation's coders take about 110 µs per record state
/// here, which alone would cap pulled pages at ~9,000 records/s. This one walks the bytes once.
enum StateJSON {
    // MARK: - Writing

    static func encode(_ state: RecordState) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(1_024)
        out += #"{"type":"#.utf8
        write(string: state.type.rawValue, to: &out)
        out += #","id":"#.utf8
        write(string: state.id.rawValue, to: &out)
        out += #","schemaVersion":"#.utf8
        out += String(state.schemaVersion).utf8
        out += #","vv":{"#.utf8
        for (index, entry) in state.context.entries.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            write(string: entry.replica.rawValue, to: &out)
            out.append(UInt8(ascii: ":"))
            out += String(entry.counter).utf8
        }
        out += #"},"fields":{"#.utf8
        for (index, name) in state.fields.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            write(string: name, to: &out)
            out += ":[".utf8
            for (position, entry) in state.fields[name]!.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                out += #"{"dot":["#.utf8
                write(string: entry.dot.replica.rawValue, to: &out)
                out.append(UInt8(ascii: ","))
                out += String(entry.dot.counter).utf8
                out += #"],"stamp":["#.utf8
                out += String(entry.stamp.wall).utf8
                out.append(UInt8(ascii: ","))
                out += String(entry.stamp.logical).utf8
                out += #"],"by":"#.utf8
                write(string: entry.author.rawValue, to: &out)
                out += #","value":"#.utf8
                write(value: entry.value, to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out += "}}".utf8
        return Data(out)
    }

    private static func write(value: FieldValue, to out: inout [UInt8]) {
        switch value {
        case .string(let text): write(string: text, to: &out)
        case .int(let number): out += String(number).utf8
        case .bool(let flag): out += (flag ? "true" : "false").utf8
        case .list(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(value: item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(string: key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(value: members[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private static func write(string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Almost every string needs no escape: copy it whole.
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += string.utf8
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x00..<0x20: out += [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    // MARK: - Reading

    static func decode(_ data: Data) throws -> RecordState {
        try data.withUnsafeBytes { buffer in
            var reader = Reader(bytes: buffer)
            let state = try reader.state()
            reader.skipSpace()
            guard reader.position == buffer.count else { throw reader.failure("trailing bytes") }
            return state
        }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        func failure(_ what: String) -> StoreError {
            StoreError(.corrupted, "a stored record state is not valid: \(what) at byte \(position)")
        }

        mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x0A, 0x0D, 0x09: position += 1
                default: return
                }
            }
        }

        mutating func peek() throws -> UInt8 {
            skipSpace()
            guard position < bytes.count else { throw failure("unexpected end") }
            return bytes[position]
        }

        mutating func expect(_ byte: UInt8) throws {
            guard try peek() == byte else { throw failure("expected '\(Character(UnicodeScalar(byte)))'") }
            position += 1
        }

        /// Reads `open`, then elements until `close`, calling `element` for each.
        mutating func sequence(_ open: UInt8, _ close: UInt8, _ element: (inout Reader) throws -> Void) throws {
            try expect(open)
            if try peek() == close { position += 1; return }
            while true {
                try element(&self)
                let next = try peek()
                position += 1
                if next == close { return }
                guard next == UInt8(ascii: ",") else { throw failure("expected ',' or a closing bracket") }
            }
        }

        mutating func members(_ member: (inout Reader, String) throws -> Void) throws {
            try sequence(UInt8(ascii: "{"), UInt8(ascii: "}")) { reader in
                let key = try reader.string()
                try reader.expect(UInt8(ascii: ":"))
                try member(&reader, key)
            }
        }

        mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            let start = position
            while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
                position += 1
            }
            guard position < bytes.count else { throw failure("unterminated string") }
            if bytes[position] == UInt8(ascii: "\"") {
                position += 1
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(position - 1)]), as: UTF8.self)
            }
            var utf8 = Array(bytes[start..<position])
            var pendingHigh: UInt32?
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: "\"") { return String(decoding: utf8, as: UTF8.self) }
                guard byte == UInt8(ascii: "\\") else { utf8.append(byte); continue }
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "u"):
                    guard position + 4 <= bytes.count,
                          let code = UInt32(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + 4)]), as: UTF8.self), radix: 16)
                    else { throw failure("bad \\u escape") }
                    position += 4
                    var scalar: Unicode.Scalar?
                    if (0xD800..<0xDC00).contains(code) { pendingHigh = code; continue }
                    if (0xDC00..<0xE000).contains(code), let high = pendingHigh {
                        scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00))
                    } else {
                        scalar = Unicode.Scalar(code)
                    }
                    pendingHigh = nil
                    guard let scalar else { throw failure("bad \\u escape") }
                    utf8 += Array(String(Character(scalar)).utf8)
                default: utf8.append(escape)   // \" \\ \/
                }
            }
            throw failure("unterminated string")
        }

        mutating func integer() throws -> Int64 {
            let negative = try peek() == UInt8(ascii: "-")
            if negative { position += 1 }
            let start = position
            var magnitude: UInt64 = 0
            while position < bytes.count, (0x30...0x39).contains(bytes[position]) {
                let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[position] - 0x30))
                guard !overflow1, !overflow2 else { throw failure("integer out of range") }
                magnitude = sum
                position += 1
            }
            guard position > start else { throw failure("expected an integer") }
            if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
                throw failure("field values are integers, not fractions")
            }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { throw failure("integer out of range") }
                return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
            }
            guard magnitude <= UInt64(Int64.max) else { throw failure("integer out of range") }
            return Int64(magnitude)
        }

        mutating func unsigned() throws -> UInt64 {
            let value = try integer()
            guard value >= 0 else { throw failure("expected a counter") }
            return UInt64(value)
        }

        mutating func value(depth: Int = 1) throws -> FieldValue {
            guard depth <= FieldValue.maxDepth else { throw failure("value nested too deep") }
            switch try peek() {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"), UInt8(ascii: "f"):
                let flag = bytes[position] == UInt8(ascii: "t")
                let word = flag ? "true" : "false"
                guard position + word.utf8.count <= bytes.count,
                      bytes[position..<(position + word.utf8.count)].elementsEqual(word.utf8) else { throw failure("bad literal") }
                position += word.utf8.count
                return .bool(flag)
            case UInt8(ascii: "["):
                var items: [FieldValue] = []
                try sequence(UInt8(ascii: "["), UInt8(ascii: "]")) { items.append(try $0.value(depth: depth + 1)) }
                return .list(items)
            case UInt8(ascii: "{"):
                var members: [String: FieldValue] = [:]
                try self.members { reader, key in members[key] = try reader.value(depth: depth + 1) }
                return .object(members)
            default:
                return .int(try integer())
            }
        }

        mutating func entry() throws -> FieldEntry {
            var dot: Dot?, stamp: HLCTimestamp?, author: OfficerID?, value: FieldValue?
            try members { reader, key in
                switch key {
                case "dot":
                    try reader.expect(UInt8(ascii: "["))
                    let replica = ReplicaID(try reader.string())
                    try reader.expect(UInt8(ascii: ","))
                    dot = Dot(replica, try reader.unsigned())
                    try reader.expect(UInt8(ascii: "]"))
                case "stamp":
                    try reader.expect(UInt8(ascii: "["))
                    let wall = try reader.integer()
                    try reader.expect(UInt8(ascii: ","))
                    guard let logical = UInt32(exactly: try reader.integer()) else { throw reader.failure("bad stamp") }
                    stamp = HLCTimestamp(wall: wall, logical: logical)
                    try reader.expect(UInt8(ascii: "]"))
                case "by": author = OfficerID(try reader.string())
                case "value": value = try reader.value()
                default: _ = try reader.value()   // a member this version does not know
                }
            }
            guard let dot, let stamp, let author, let value else { throw failure("incomplete field entry") }
            return FieldEntry(dot: dot, stamp: stamp, author: author, value: value)
        }

        mutating func state() throws -> RecordState {
            var type: RecordType?, id: RecordID?, version: Int?
            var context = VersionVector()
            var fields = RecordFields()
            try members { reader, key in
                switch key {
                case "type": type = RecordType(try reader.string())
                case "id": id = RecordID(try reader.string())
                case "schemaVersion": version = Int(try reader.integer())
                case "vv":
                    try reader.members { reader, replica in context[ReplicaID(replica)] = try reader.unsigned() }
                case "fields":
                    try reader.members { reader, name in
                        var entries: [FieldEntry] = []
                        try reader.sequence(UInt8(ascii: "["), UInt8(ascii: "]")) { entries.append(try $0.entry()) }
                        fields[name] = entries
                    }
                default: _ = try reader.value()
                }
            }
            guard let type, let id, let version else { throw failure("type, id or schemaVersion missing") }
            return RecordState(type: type, id: id, schemaVersion: version, context: context, fields: fields)
        }
    }
}
