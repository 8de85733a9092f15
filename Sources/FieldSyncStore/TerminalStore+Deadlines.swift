import FieldSyncCore

extension TerminalStore {
    /// The open reporting deadlines of the records this terminal holds (`SchemaRegistry.openDeadlines`):
    /// every overdue one and every running one due within `window` milliseconds (nil: all), computed
    /// offline from the local states at `now` (nil: the store's clock).
    /// - Throws: `StoreError` `.locked` (the records are sealed), `.corrupted`, `.io`.
    public func openDeadlines(now: Int64? = nil, within window: Int64? = nil) throws -> [DueDeadline] {
        let types = registry.typesWithDeadlines
        guard !types.isEmpty else { return [] }
        let states = try records(RecordFilter(types: Set(types))).map(\.state)
        return registry.openDeadlines(in: states, now: now ?? self.now(), within: window)
    }
}
