/// Rules for free text that people type and other people read in a terminal: device names, reasons,
/// notes. Control characters there have no meaning and are a way to rewrite what an administrator sees
/// (an ESC sequence in a device name can clear the screen or forge lines of `admin devices`).
public enum FreeText {
    /// Whether `scalar` is a control or invisible direction-override character: C0 (but for the tab
    /// and the line break where `allowingLineBreaks`), DEL, C1, and the bidirectional overrides and
    /// isolates U+202A-U+202E and U+2066-U+2069.
    public static func isForbidden(_ scalar: Unicode.Scalar, allowingLineBreaks: Bool = false) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: return !allowingLineBreaks
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// The first forbidden character of `text`, as `U+XXXX`, or nil when it has none.
    public static func problem(in text: String, allowingLineBreaks: Bool = false) -> String? {
        guard let bad = text.unicodeScalars.first(where: { isForbidden($0, allowingLineBreaks: allowingLineBreaks) }) else { return nil }
        let hex = String(bad.value, radix: 16, uppercase: true)
        return "contains the control character U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// `text` safe to print: every forbidden character (line breaks included) written as `\u{XX}`.
    /// Text that came from the network or the database is printed through this.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isForbidden($0) }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isForbidden(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
