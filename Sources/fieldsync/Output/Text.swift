import FieldSyncCore
import Foundation

/// Human output that stays readable at 80 columns.
enum Text {
    static let width = 80

    /// `text` cut to `width` characters, with an ellipsis when cut.
    static func clip(_ text: String, _ width: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= width ? flat : String(flat.prefix(max(width - 1, 0))) + "…"
    }

    /// `line` broken at spaces into lines of at most `width` characters; continuation lines keep the
    /// line's indentation plus two spaces.
    static func wrap(_ line: String, width: Int = Text.width) -> [String] {
        guard line.count > width else { return [line] }
        let indent = String(line.prefix { $0 == " " })
        var lines: [String] = []
        var current = ""
        for word in line.dropFirst(indent.count).split(separator: " ", omittingEmptySubsequences: false) {
            let prefix = lines.isEmpty ? indent : indent + "  "
            if !current.isEmpty && prefix.count + current.count + 1 + word.count > width {
                lines.append(prefix + current)
                current = String(word)
            } else {
                current += current.isEmpty ? String(word) : " " + word
            }
        }
        lines.append((lines.isEmpty ? indent : indent + "  ") + current)
        return lines
    }

    static func pad(_ text: String, _ width: Int) -> String {
        let clipped = clip(text, width)
        return clipped + String(repeating: " ", count: max(width - clipped.count, 0))
    }

    /// A table with a header row; column widths fit the content, the last column takes what is left.
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let all = [header] + rows
        var widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        let fixed = widths.dropLast().reduce(0) { $0 + $1 + 2 }
        widths[widths.count - 1] = min(widths[widths.count - 1], max(width - fixed, 8))
        let line = { (row: [String]) in
            zip(row, widths).map { pad($0, $1) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        // Clipped rather than wrapped: a wrapped row no longer lines up with its header.
        return ([line(header), String(repeating: "-", count: min(widths.reduce(0) { $0 + $1 + 2 } - 2, width))] + rows.map(line))
            .map { clip($0, width) }
    }

    /// A section heading.
    static func heading(_ title: String) -> String {
        "\n== \(title) " + String(repeating: "=", count: max(width - title.count - 4, 3))
    }

    /// Milliseconds since 1970 as `yyyy-MM-dd HH:mm:ss` UTC.
    static func time(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: WallClock.date(milliseconds: milliseconds)) + "Z"
    }

    /// A field value as a person reads it.
    static func value(_ value: FieldValue) -> String {
        switch value {
        case .string(let text): "\"\(text)\""
        case .int(let number): String(number)
        case .bool(let flag): flag ? "yes" : "no"
        case .list(let items): "[" + items.map(Self.value).joined(separator: ", ") + "]"
        case .object(let members):
            "{" + members.sorted { $0.key < $1.key }.map { "\($0.key): \(Self.value($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    static func effective(_ value: EffectiveValue) -> String {
        switch value {
        case .value(let single): Self.value(single)
        case .undecided(let entries): "CONFLICT: " + entries.map { Self.value($0.value) }.joined(separator: " | ")
        case .set(let elements): "{" + elements.map(Self.value).joined(separator: ", ") + "}"
        case .log(let entries): entries.map { "[\($0.author)] \(Self.value($0.value))" }.joined(separator: "; ")
        }
    }
}
