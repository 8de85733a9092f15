import FieldSyncCore
import FieldSyncStore

/// The terminal's SQLite store is the engine's store: each method below is one store transaction, so
/// the engine's promise (interrupt anywhere, the next round finishes the job) rests on the store's.
extension TerminalStore: SyncEngineStore {
    /// The credential of `identity`, nil before enrollment.
    /// - Throws: `StoreError.locked` while nobody is signed in (the credential is sealed).
    public func deviceCredential() throws -> String? {
        try identity?.credential
    }

    /// `checkpoint`: the cursor of the last applied page.
    public func pullCursor() throws -> String? {
        try checkpoint
    }

    /// `resetCheckpoint()`: the next pull starts from the beginning.
    public func resetPullCursor() throws {
        try resetCheckpoint()
    }

    /// Applies `page` as `apply(page:accepted:)` does, in one transaction.
    /// - Returns: the records that now wait for a person and did not before (`AppliedPage.becameConflicted`).
    public func apply(page: PullPage, accepted: [RecordState]) throws -> [RecordID] {
        // The store's richer report (inserted, updated, skipped) is for status displays; the engine
        // only reports what a person now has to look at.
        let applied: AppliedPage = try apply(page: page, accepted: accepted)
        return applied.becameConflicted
    }

    /// `correctClock(serverTime:)`: the hybrid clock learns the server's time (milliseconds since 1970).
    public func observeServerTime(_ serverWall: Int64) throws {
        try correctClock(serverTime: serverWall)
    }

    /// `leaseStatus.runningLow`: at or below the store's low-water mark, exhausted included.
    public func leaseRunningLow() throws -> Bool {
        try leaseStatus.runningLow
    }
}
