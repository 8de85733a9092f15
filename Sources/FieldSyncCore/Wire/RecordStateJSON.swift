import Foundation

/// A direct JSON writer and reader for `RecordState`, the document that dominates every push, pull and
/// stored row. Foundation's coders spend ~100 µs per state on generic machinery; this walks the bytes
/// once. It writes exactly the `Codable` form with keys sorted (a canonical form: equal states give equal
/// bytes) and reads what `Codable` reads, refusing anything unusual (repeated members, fractions, null)
/// so that callers can fall back to `JSONDecoder` for its exact answer. Tests hold both directions.
public enum RecordStateJSON {
    /// The JSON of `state`, keys sorted, no whitespace.
    public static func encode(_ state: RecordState) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(1_024)
        write(state, into: &out)
        return Data(out)
    }

    /// Appends the JSON of `state` to `out` (to build a larger document without copying).
    public static func write(_ state: RecordState, into out: inout [UInt8]) {
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
    static func append(_ text: String, _ out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string literal: quote, backslash and control characters escaped; other bytes as UTF-8.
    static func string(_ text: String, _ out: inout [UInt8]) {
        out.append(0x22)
        // Almost every string needs no escape: copy it whole (from its own bytes, where it has them).
        let copied = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if copied == true || (copied == nil && !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C })) {
            if copied == nil { out.append(contentsOf: text.utf8) }
            out.append(0x22)
            return
        }
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

    /// Reads one record state.
    public static func decode(_ data: Data) throws(ProtocolError) -> RecordState {
        do {
            // The reader throws only ProtocolError; untyped inside for the closures' sake.
            return try data.withUnsafeBytes { buffer in
                var reader = Reader(bytes: buffer)
                let state = try reader.state()
                reader.skipSpace()
                guard reader.position == buffer.count else { throw reader.failure("trailing bytes") }
                return state
            }
        } catch let error as ProtocolError {
            throw error
        } catch {
            throw ProtocolError(.malformedRequest, "\(error)")
        }
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        func failure(_ what: String) -> ProtocolError {
            ProtocolError(.malformedRequest, "a record state is not valid JSON of its shape: \(what) at byte \(position)")
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

        /// Reads an object. A repeated member is refused: decoders disagree on which copy wins.
        mutating func members(_ member: (inout Reader, String) throws -> Void) throws {
            // Objects here have a handful of members: a linear check beats hashing into a new Set per
            // object (which was a tenth of decoding a page); large objects switch to a Set.
            var seen: [String] = []
            var many: Set<String>?
            try sequence(UInt8(ascii: "{"), UInt8(ascii: "}")) { reader in
                let key = try reader.string()
                if many == nil && seen.count < 16 {
                    guard !seen.contains(key) else { throw reader.failure("member '\(key)' repeats") }
                    seen.append(key)
                } else {
                    if many == nil { many = Set(seen) }
                    guard many!.insert(key).inserted else { throw reader.failure("member '\(key)' repeats") }
                }
                try reader.expect(UInt8(ascii: ":"))
                try member(&reader, key)
            }
        }

        /// A JSON string: valid UTF-8, no raw control characters, only the escapes JSON defines.
        mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            let start = position
            while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\"),
                  bytes[position] >= 0x20 {
                position += 1
            }
            guard position < bytes.count else { throw failure("unterminated string") }
            if bytes[position] == UInt8(ascii: "\"") {
                position += 1
                return try text(UnsafeRawBufferPointer(rebasing: bytes[start..<(position - 1)]))
            }
            var utf8 = Array(bytes[start..<position])
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: "\"") { return try utf8.withUnsafeBytes { try text($0) } }
                guard byte >= 0x20 else { throw failure("control character in a string") }
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
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        // A high surrogate must be followed by an escaped low one.
                        guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"),
                              bytes[position + 1] == UInt8(ascii: "u") else { throw failure("lone surrogate") }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw failure("lone surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw failure("lone surrogate") }
                    utf8 += Array(String(Character(scalar)).utf8)
                default: throw failure("unknown escape")
                }
            }
            throw failure("unterminated string")
        }

        private mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw failure("bad \\u escape") }
            var code: UInt32 = 0
            for byte in bytes[position..<(position + 4)] {
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x41...0x46: digit = byte - 0x41 + 10
                case 0x61...0x66: digit = byte - 0x61 + 10
                default: throw failure("bad \\u escape")
                }
                code = code << 4 | UInt32(digit)
            }
            position += 4
            return code
        }

        /// The string of `utf8`, refused unless it is valid UTF-8. Decoding repairs invalid input (U+FFFD
        /// in place of the bad bytes), so the input was valid exactly when the text's bytes are the input.
        /// (`String(validating:as:)` is generic over the encoding and not specialized here: a metadata
        /// lookup per string, ~10% of decoding a pulled page.) ASCII, most strings, is valid as it is.
        private func text(_ utf8: UnsafeRawBufferPointer) throws -> String {
            let bytes = utf8.bindMemory(to: UInt8.self)
            let text = String(decoding: bytes, as: UTF8.self)
            var ascii: UInt8 = 0
            for byte in bytes { ascii |= byte }
            guard ascii < 0x80 || text.utf8.elementsEqual(bytes) else { throw failure("invalid UTF-8") }
            return text
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
            guard bytes[start] != 0x30 || position == start + 1 else { throw failure("leading zero") }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") || bytes[position] | 0x20 == UInt8(ascii: "e") {
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
            var context: VersionVector?
            var fields: RecordFields?
            try members { reader, key in
                switch key {
                case "type": type = RecordType(try reader.string())
                case "id": id = RecordID(try reader.string())
                case "schemaVersion": version = Int(try reader.integer())
                case "vv":
                    var vector = VersionVector()
                    try reader.members { reader, replica in vector[ReplicaID(replica)] = try reader.unsigned() }
                    context = vector
                case "fields":
                    var all = RecordFields()
                    try reader.members { reader, name in
                        var entries: [FieldEntry] = []
                        try reader.sequence(UInt8(ascii: "["), UInt8(ascii: "]")) { entries.append(try $0.entry()) }
                        all[name] = entries
                    }
                    fields = all
                default: _ = try reader.value()
                }
            }
            guard let type, let id, let version, let context, let fields else {
                throw failure("type, id, schemaVersion, vv or fields missing")
            }
            return RecordState(type: type, id: id, schemaVersion: version, context: context, fields: fields)
        }
    }
}
