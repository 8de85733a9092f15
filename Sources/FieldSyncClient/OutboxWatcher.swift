import FieldSyncStore
import ServiceLifecycle

/// Wakes a `SyncDaemon` while the store's outbox holds records, so that a local write syncs at once when
/// the network allows; and locks the store as soon as the officer signed out elsewhere, so the key does
/// not stay in the daemon's memory until its next round. Run it beside the daemon in the same
/// `ServiceGroup` (ending it, or its failing, should not end the group); it stops on graceful shutdown.
///
/// Why polling and not GRDB's ValueObservation: writes come from other processes (`fieldsync record`,
/// the terminal's app), and an observation only sees writes made through its own connection pool.
/// Counting the outbox is one indexed query; every two seconds it costs nothing measurable.
public struct OutboxWatcher: Service {
    public let store: TerminalStore
    public let daemon: SyncDaemon
    /// How often it looks at the outbox and the session.
    public var every: Duration

    public init(store: TerminalStore, daemon: SyncDaemon, every: Duration = .seconds(2)) {
        self.store = store
        self.daemon = daemon
        self.every = every
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            // Anything in the outbox is a reason to sync; a daemon backing off ignores the nudge, and a
            // successful round empties the outbox, so this never spins.
            while !Task.isCancelled {
                try await Task.sleep(for: every)
                if store.lockIfSignedOut() || ((try? store.pendingPushCount()) ?? 0) > 0 { daemon.localChange() }
            }
        }
    }
}
