import FieldSyncCore
import FieldSyncStore
import Foundation

/// A terminal as its configuration describes it: the store, the HTTP transport and the engine, with
/// enrollment on first use. `fieldsync sync`, the daemon and the record commands all start here.
///
/// The store opens with the officer's session (`.session`: another process signed in, e.g.
/// `fieldsync officer login`), or `.locked` for the daemon, which follows sign-ins and sign-outs with
/// `TerminalStore.refreshSession()` before each round.
public struct TerminalSession: Sendable {
    /// The configuration the session was built from.
    public let config: ClientConfig
    /// The terminal's store, opened with the access given to `init`.
    public let store: TerminalStore
    /// The engine that syncs `store` over the transport.
    public let engine: SyncEngine

    /// Opens the store at `config.storePath` with `access` and builds the engine over `transport`, by
    /// default an `HTTPTransport` to `serverURL` (pinned to `caFile` when set). Batch and page sizes below
    /// 1 are taken as 1. Does not touch the network.
    /// - Throws: `ClientError` `.configuration` for a `serverURL` that is not http(s) or a bad scrypt
    ///   cost; the store's `StoreError` (`.noStore`, `.locked`, `.wrongPassphrase`, ...).
    /// - Parameter registry: the record types the store understands (a deployment's own types beside the
    ///   standard ones); the server must know them too.
    public init(config: ClientConfig, access: StoreAccess = .session, transport: (any SyncTransport)? = nil,
                registry: SchemaRegistry = .standard) throws {
        guard let url = URL(string: config.serverURL), url.scheme == "http" || url.scheme == "https" else {
            throw ClientError(.configuration, "serverURL '\(config.serverURL)' is not an http(s) URL")
        }
        self.config = config
        store = try TerminalStore(path: config.storePath, access: access, keys: try config.storeKeys(), registry: registry)
        engine = SyncEngine(store: store,
                            transport: transport ?? HTTPTransport(baseURL: url, timeout: config.requestTimeoutSeconds, pinnedCA: config.caFile),
                            batchSize: max(config.batchSize, 1), pageSize: max(config.pageSize, 1),
                            makeBatchID: { UUID().uuidString.lowercased() })
    }

    /// Enrolls with the configured token when the store is not enrolled yet; does nothing otherwise.
    /// - Returns: true when this call enrolled the terminal.
    @discardableResult
    public func enrollIfNeeded() async throws -> Bool {
        guard try store.identity == nil else { return false }
        guard let token = config.enrollmentToken, !token.isEmpty else {
            throw ClientError(.notEnrolled, "this terminal is not enrolled: ask an administrator for a token "
                + "(`fieldsync admin enroll --station UNIT`) and put it in the configuration as enrollmentToken")
        }
        _ = try await engine.enroll(token: token, deviceName: config.deviceName)
        return true
    }

    /// The status as the store sees it now (the daemon adds timing and errors). Counts only: it works
    /// while the store is locked, and says so. Deadlines are left out (`addingDeadlines()`): they read
    /// every case, too much for the daemon's snapshot after each round.
    public func status(state: SyncStatus.State) throws -> SyncStatus {
        var status = SyncStatus(state: state, deviceName: config.deviceName, outbox: try store.pendingPushCount(),
                                conflicts: try store.count(RecordFilter(conflictedOnly: true)),
                                rejectedChanges: try store.rejectedChangeCount(),
                                leaseRemaining: try store.leaseStatus.remaining)
        status.heldRecords = try store.heldRecordCount()
        status.signedIn = store.signedInOfficer?.rawValue
        if store.signedInOfficer == nil && state != .revoked && state != .stopped { status.state = .locked }
        return status
    }

    /// `status` with its deadline counts (overdue, due within the hour), when an officer is signed in.
    public func addingDeadlines(to status: SyncStatus) throws -> SyncStatus {
        guard store.signedInOfficer != nil else { return status }
        var status = status
        let open = try store.openDeadlines(within: Deadline.hour)
        status.overdueDeadlines = open.count { $0.status.outcome == .overdue }
        status.deadlinesDueWithinHour = open.count { $0.status.outcome == .running }
        return status
    }
}
