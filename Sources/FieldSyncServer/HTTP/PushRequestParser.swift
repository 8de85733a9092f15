import FieldSyncCore
import Foundation

/// A fast path for decoding `PushRequest` bodies, which are most of what the server parses. It accepts
/// only the plain shape that terminals send (known keys, each once; integers without fraction or
/// exponent; no `null`; string escapes of the usual kinds) and returns nil for anything else, in which
/// case the caller decodes with `JSONDecoder` and gets its exact answer or its typed error. So the fast
/// path never changes what is accepted or how: tests compare both on valid, edited and broken bodies.
struct PushRequestParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    static func parse(_ data: Data) -> PushRequest? {
        data.withUnsafeBytes { raw in
            var parser = PushRequestParser(bytes: raw.bindMemory(to: UInt8.self))
            guard let request = parser.request() else { return nil }
            parser.skipSpace()
            return parser.index == parser.bytes.count ? request : nil
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private mutating func request() -> PushRequest? {
        var version: Int?, batchID: String?, records: [RecordState]?
        let complete = object { key, parser in
            switch key {
            case "protocolVersion" where version == nil: version = parser.integer().flatMap { Int(exactly: $0) }; return version != nil
            case "batchID" where batchID == nil: batchID = parser.string(); return batchID != nil
            case "records" where records == nil: records = parser.array { $0.recordState() }; return records != nil
            default: return false
            }
        }
        guard complete, let version, let batchID, let records else { return nil }
        return PushRequest(batchID: batchID, records: records, protocolVersion: version)
    }

    private mutating func recordState() -> RecordState? {
        var type: String?, id: String?, version: Int?, context: VersionVector?, fields: [String: [FieldEntry]]?
        let complete = object { key, parser in
            switch key {
            case "type" where type == nil: type = parser.string(); return type != nil
            case "id" where id == nil: id = parser.string(); return id != nil
            case "schemaVersion" where version == nil: version = parser.integer().flatMap { Int(exactly: $0) }; return version != nil
            case "vv" where context == nil: context = parser.versionVector(); return context != nil
            case "fields" where fields == nil: fields = parser.fields(); return fields != nil
            default: return false
            }
        }
        guard complete, let type, let id, let version, let context, let fields else { return nil }
        return RecordState(type: RecordType(type), id: RecordID(id), schemaVersion: version, context: context, fields: RecordFields(fields))
    }

    private mutating func versionVector() -> VersionVector? {
        var counters: [ReplicaID: UInt64] = [:]
        let complete = object { key, parser in
            guard counters[ReplicaID(key)] == nil, let counter = parser.integer(), counter >= 0 else { return false }
            counters[ReplicaID(key)] = UInt64(counter)
            return true
        }
        return complete ? VersionVector(counters) : nil
    }

    private mutating func fields() -> [String: [FieldEntry]]? {
        var fields: [String: [FieldEntry]] = [:]
        let complete = object { key, parser in
            guard fields[key] == nil, let entries = parser.array({ $0.entry() }) else { return false }
            fields[key] = entries
            return true
        }
        return complete ? fields : nil
    }

    private mutating func entry() -> FieldEntry? {
        var dot: Dot?, stamp: HLCTimestamp?, author: String?, value: FieldValue?
        let complete = object { key, parser in
            switch key {
            case "dot" where dot == nil:
                guard let pair = parser.pair({ $0.string() }, { $0.integer() }), pair.1 >= 0 else { return false }
                dot = Dot(ReplicaID(pair.0), UInt64(pair.1))
                return true
            case "stamp" where stamp == nil:
                guard let pair = parser.pair({ $0.integer() }, { $0.integer() }), let logical = UInt32(exactly: pair.1) else { return false }
                stamp = HLCTimestamp(wall: pair.0, logical: logical)
                return true
            case "by" where author == nil: author = parser.string(); return author != nil
            case "value" where value == nil: value = parser.value(depth: 1); return value != nil
            default: return false
            }
        }
        guard complete, let dot, let stamp, let author, let value else { return nil }
        return FieldEntry(dot: dot, stamp: stamp, author: OfficerID(author), value: value)
    }

    private mutating func value(depth: Int) -> FieldValue? {
        guard depth <= FieldValue.maxDepth else { return nil }
        skipSpace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case 0x22: return string().map(FieldValue.string)
        case 0x74: return literal("true") ? .bool(true) : nil
        case 0x66: return literal("false") ? .bool(false) : nil
        case 0x5B: return array { $0.value(depth: depth + 1) }.map(FieldValue.list)
        case 0x7B:
            var members: [String: FieldValue] = [:]
            let complete = object { key, parser in
                guard members[key] == nil, let member = parser.value(depth: depth + 1) else { return false }
                members[key] = member
                return true
            }
            return complete ? .object(members) : nil
        default: return integer().map(FieldValue.int)
        }
    }

    // MARK: JSON pieces

    /// `{ "key": value, ... }`, calling `member` for each key; false if anything is off.
    private mutating func object(_ member: (String, inout PushRequestParser) -> Bool) -> Bool {
        skipSpace()
        guard consume(0x7B) else { return false }
        skipSpace()
        if consume(0x7D) { return true }
        while true {
            skipSpace()
            guard let key = string() else { return false }
            skipSpace()
            guard consume(0x3A), member(key, &self) else { return false }
            skipSpace()
            if consume(0x2C) { continue }
            return consume(0x7D)
        }
    }

    private mutating func array<T>(_ element: (inout PushRequestParser) -> T?) -> [T]? {
        skipSpace()
        guard consume(0x5B) else { return nil }
        var items: [T] = []
        skipSpace()
        if consume(0x5D) { return items }
        while true {
            guard let item = element(&self) else { return nil }
            items.append(item)
            skipSpace()
            if consume(0x2C) { continue }
            return consume(0x5D) ? items : nil
        }
    }

    private mutating func pair<A, B>(_ first: (inout PushRequestParser) -> A?, _ second: (inout PushRequestParser) -> B?) -> (A, B)? {
        skipSpace()
        guard consume(0x5B), let a = first(&self) else { return nil }
        skipSpace()
        guard consume(0x2C), let b = second(&self) else { return nil }
        skipSpace()
        return consume(0x5D) ? (a, b) : nil
    }

    /// An integer in Int64 range, without fraction or exponent (anything else goes to the slow path).
    private mutating func integer() -> Int64? {
        skipSpace()
        let start = index
        if index < bytes.count && bytes[index] == 0x2D { index += 1 }
        let digits = index
        while index < bytes.count && bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1 }
        guard index > digits, index - digits <= 19 else { return nil }
        if index - digits > 1 && bytes[digits] == 0x30 { return nil }
        if index < bytes.count && (bytes[index] == 0x2E || bytes[index] == 0x65 || bytes[index] == 0x45) { return nil }
        return Int64(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }

    private mutating func string() -> String? {
        skipSpace()
        guard consume(0x22) else { return nil }
        let start = index
        var plain = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x22 { break }
            if byte < 0x20 { return nil }
            if byte == 0x5C { plain = false; index += 2; continue }
            index += 1
        }
        guard index < bytes.count else { return nil }
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
        index += 1
        if plain {
            // Invalid UTF-8 goes to the slow path, which reports it.
            guard let text = String(validating: raw, as: UTF8.self) else { return nil }
            return text
        }
        return Self.unescape(raw)
    }

    private static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        var out = [UInt8]()
        out.reserveCapacity(raw.count)
        var position = 0
        while position < raw.count {
            let byte = raw[position]
            guard byte == 0x5C else { out.append(byte); position += 1; continue }
            guard position + 1 < raw.count else { return nil }
            switch raw[position + 1] {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x2F: out.append(0x2F)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            default: return nil  // \u escapes and anything else: slow path.
            }
            position += 2
        }
        return String(validating: out, as: UTF8.self)
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }
}
