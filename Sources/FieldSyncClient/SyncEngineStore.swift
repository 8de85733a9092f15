import FieldSyncCore
import FieldSyncStore

/// What the sync engine needs from the terminal's store. `TerminalStore` conforms; each call is one
/// transaction, so an interrupted round loses nothing and the next round finishes the job.
public protocol SyncEngineStore: Sendable {
    /// The device credential from enrollment, or nil before enrollment.
    func deviceCredential() throws -> String?
    /// Stores what enrollment returned: identity, credential, first lease, clock correction.
    /// Throws when the store is enrolled already (a replica id is never replaced).
    func saveEnrollment(_ response: EnrollResponse) throws
    /// States of records with local writes the server has not acknowledged, at most `limit`.
    func pendingPush(limit: Int) throws -> [RecordState]
    /// The push sent and not yet answered (same batch id, same states), to be resent as it is.
    func unansweredPush() throws -> PushRequest?
    /// Remembers a push before it is sent, until `acknowledge` records its answer.
    func rememberPush(_ request: PushRequest) throws
    /// Records the server's answers: acknowledged counters for accepted records; rejected records go to
    /// the rejected table with their reason and are rolled back to the server's state.
    func acknowledge(pushed: [RecordState], response: PushResponse) throws
    /// The cursor of the last applied pull page.
    func pullCursor() throws -> String?
    /// Forgets the pull cursor (the server answered `invalidCursor`): the next pull starts over.
    func resetPullCursor() throws
    /// Joins a pulled page and stores its cursor, in one transaction. Returns records now in conflict.
    /// `accepted`: the states pushed in the same round that the server accepted (already acknowledged);
    /// a page's state equal to one of them is already held and needs no work.
    func apply(page: PullPage, accepted: [RecordState]) throws -> [RecordID]
    /// Corrects the terminal's hybrid clock by the server's time.
    func observeServerTime(_ serverWall: Int64) throws
    /// Whether the receipt-number lease is running low (or exhausted).
    func leaseRunningLow() throws -> Bool
    /// Saves a leased block of receipt numbers; saving the same block again changes nothing.
    func saveLease(_ lease: ReceiptLease) throws
    /// Destroys the data and the key (revoked device).
    func wipe() throws
    /// Keeps the server's audit-checkpoint key from enrollment.
    func saveAuditPublicKey(_ publicKey: String) throws
    /// Verifies a checkpoint the server handed over and keeps it when it is newer (SPEC §8.7).
    func keepAuditCheckpoint(_ checkpoint: AuditCheckpoint) throws -> AuditCheckpointOutcome
}
