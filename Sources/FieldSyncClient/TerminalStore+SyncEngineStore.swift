import FieldSyncCore
import FieldSyncStore

/// The terminal's SQLite store is the engine's store: each method below is one store transaction, so
/// the engine's promise (interrupt anywhere, the next round finishes the job) rests on the store's.
extension TerminalStore: SyncEngineStore {
    public func deviceCredential() throws -> String? {
        try identity?.credential
    }

    public func pullCursor() throws -> String? {
        try checkpoint
    }

    public func resetPullCursor() throws {
        try resetCheckpoint()
    }

    public func apply(page: PullPage) throws -> [RecordID] {
        // The store's richer report (inserted, updated, skipped) is for status displays; the engine
        // only reports what a person now has to look at.
        let applied: AppliedPage = try apply(page: page)
        return applied.becameConflicted
    }

    public func observeServerTime(_ serverWall: Int64) throws {
        try correctClock(serverTime: serverWall)
    }

    public func leaseRunningLow() throws -> Bool {
        try leaseStatus.runningLow
    }
}
