/// A unit of the organisation, written as a path of codes from the bureau down:
/// `KH` (bureau), `KH.P03` (precinct), `KH.P03.S012` (station), `KH.P03.S012.B0456` (beat).
/// Brigades sit beside precincts (`KH.CIB`). Scopes are units: a unit covers itself and everything below.
public struct UnitID: StringIdentifier {
    /// The dotted code, e.g. `KH.P03.S012`.
    public let rawValue: String

    /// Wraps `rawValue` as it is, without checking it: see `isWellFormed`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The codes from the bureau down (`KH`, `P03`, `S012`), empty components kept, so a malformed id
    /// such as `KH..P03` shows as such.
    public var components: [Substring] { rawValue.split(separator: ".", omittingEmptySubsequences: false) }

    /// The unit one level up, or nil for a bureau.
    public var parent: UnitID? {
        guard let dot = rawValue.lastIndex(of: ".") else { return nil }
        return UnitID(String(rawValue[..<dot]))
    }

    /// True when `self` is `scope` or lies below it.
    public func isWithin(_ scope: UnitID) -> Bool {
        guard rawValue.hasPrefix(scope.rawValue) else { return false }
        let rest = rawValue.utf8.dropFirst(scope.rawValue.utf8.count)
        return rest.isEmpty || rest.first == UInt8(ascii: ".")
    }

    /// 1-6 non-empty components of `[A-Za-z0-9_-]`, at most 64 bytes in all.
    /// One pass over the bytes: every pushed record names its units, so this runs for each of them.
    public var isWellFormed: Bool {
        var parts = 1, partLength = 0, total = 0
        for byte in rawValue.utf8 {
            total += 1
            if byte == 0x2E {
                guard partLength > 0 else { return false }
                parts += 1
                partLength = 0
            } else if (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                        || byte == 0x2D || byte == 0x5F {
                partLength += 1
            } else {
                return false
            }
        }
        return total <= 64 && partLength > 0 && parts <= 6
    }
}
