import FieldSyncCore

/// The scope index both backends keep (`scope_changes`): one row per change and per scope that may see
/// it. A scope sees a record when one of the record's units is the scope or lies under it, so each unit
/// is indexed under itself and every prefix of it at a dot (`KH.P03.S012.B05` under `KH`, `KH.P03`,
/// `KH.P03.S012` and itself). A pull is then a range read of its own scope in sequence order.
enum ScopeIndex {
    /// Every scope that may see a record with these units.
    static func scopes(of units: some Sequence<UnitID>) -> Set<String> {
        var scopes = Set<String>()
        for unit in units {
            let text = unit.rawValue
            scopes.insert(text)
            for index in text.indices where text[index] == "." { scopes.insert(String(text[..<index])) }
        }
        return scopes
    }

    /// The units of a `units` column (space-separated).
    static func units(_ column: String) -> [UnitID] {
        column.split(separator: " ").map { UnitID(String($0)) }
    }
}
