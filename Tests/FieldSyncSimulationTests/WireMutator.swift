import FieldSyncTesting
import Foundation

/// Mutations of a valid body, drawn from a seeded stream: the kinds of damage a network, a buggy peer or
/// an attacker produce. One to three mutations per mutant.
enum WireMutator {
    static let insertions: [String] = [
        "\u{212A}", "\u{0000}", "\\u0000", "\\ud800", "\\udc00\\ud800", "👮‍♀️", "\u{FEFF}", "\u{202E}", "é", "e\u{0301}",
        "99999999999999999999999", "-9223372036854775809", "18446744073709551616", "1e400", "-0", "0.5", "1e2",
        "null", "true", "[]", "{}", "\"\"", ",", ":", "\"", "\\", "]", "}", "[", "{",
    ]

    static func mutate(_ body: Data, corpus: [Data], times: ClosedRange<Int> = 1...3, _ random: inout SeededRandom) -> Data {
        var bytes = [UInt8](body)
        for _ in 0..<random.int(times) { mutateOnce(&bytes, corpus: corpus, &random) }
        return Data(bytes)
    }

    private static func mutateOnce(_ bytes: inout [UInt8], corpus: [Data], _ random: inout SeededRandom) {
        let position = bytes.isEmpty ? 0 : random.int(0...(bytes.count - 1))
        switch random.int(0...9) {
        case 0 where !bytes.isEmpty:
            bytes[position] ^= UInt8(1 << random.int(0...7))
        case 1 where !bytes.isEmpty:
            bytes[position] = UInt8(truncatingIfNeeded: random.next())
        case 2:
            bytes = Array(bytes.prefix(position))
        case 3 where !bytes.isEmpty:
            let end = min(bytes.count, position + random.int(1...64))
            bytes.removeSubrange(position..<end)
        case 4 where !bytes.isEmpty:
            // Duplicate a stretch in place (a repeated member, a doubled record).
            let end = min(bytes.count, position + random.int(1...200))
            bytes.insert(contentsOf: bytes[position..<end], at: random.int(0...bytes.count))
        case 5:
            // Splice: the head of this body and the tail of another.
            let other = [UInt8](random.pick(corpus))
            let cut = other.isEmpty ? 0 : random.int(0...(other.count - 1))
            bytes = Array(bytes.prefix(position)) + other[cut...]
        case 6:
            let depth = random.pick([9, 64, 600, 20_000])
            let open = random.percent(50) ? "[" : "{\"a\":"
            let close = open == "[" ? "]" : "}"
            let nested = String(repeating: open, count: depth) + "1" + String(repeating: close, count: random.percent(80) ? depth : depth / 2)
            bytes.insert(contentsOf: Array(nested.utf8), at: position)
        case 7:
            // Replace a run of digits with another number.
            guard let start = bytes.indices.dropFirst(position).first(where: { (0x30...0x39).contains(bytes[$0]) }) else { return }
            let end = bytes[start...].firstIndex { !(0x30...0x39).contains($0) } ?? bytes.endIndex
            let number = random.pick(["0", "-1", "9007199254740992", "18446744073709551615", "99999999999999999999999", "1.5", "1e3"])
            bytes.replaceSubrange(start..<end, with: Array(number.utf8))
        case 8:
            bytes.insert(contentsOf: Array(random.pick(insertions).utf8), at: position)
        default:
            // A long string where a short one was.
            guard let quote = bytes.indices.dropFirst(position).first(where: { bytes[$0] == 0x22 }) else { return }
            bytes.insert(contentsOf: Array(String(repeating: "長", count: random.pick([100, 7_000, 70_000])).utf8), at: quote + 1)
        }
    }
}
