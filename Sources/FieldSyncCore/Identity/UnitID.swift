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
    public var isWellFormed: Bool {
        let parts = components
        guard rawValue.utf8.count <= 64, (1...6).contains(parts.count) else { return false }
        return parts.allSatisfy { !$0.isEmpty && Identifier.isWellFormed(String($0)) && !$0.contains(".") }
    }
}
