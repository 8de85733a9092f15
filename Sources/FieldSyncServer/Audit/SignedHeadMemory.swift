import Synchronization

/// The last audit head this storage signed and saw committed. A node never signs a head that does not
/// extend it: if the entry at that sequence is gone or has another hash, someone rewrote or cut the chain
/// under the running server, and signing the new head would bless the rewrite. The node then stops
/// signing (writes go on; `audit verify` reports the head `unsigned` and says why) until it is restarted,
/// which is the operator's decision to make after looking. Memory only: a restart forgets it, so this
/// stops an intruder working under a running server, not one who also restarts it (RELIABILITY.md).
final class SignedHeadMemory: Sendable {
    struct Head: Hashable, Sendable {
        var sequence: UInt64
        var hash: String
    }

    private struct State {
        var committed: Head?
        var refusal: String?
    }

    private let state = Mutex(State())

    var committed: Head? { state.withLock { $0.committed } }

    /// Why this node stopped signing, nil while it signs.
    var refusal: String? { state.withLock { $0.refusal } }

    /// After a commit: keeps the highest head (concurrent writers may confirm out of order).
    func confirm(_ head: Head) {
        state.withLock { state in
            if (state.committed?.sequence ?? 0) <= head.sequence { state.committed = head }
        }
    }

    /// Whether a transaction may sign that read `committed` (before it took the chain's head) and found
    /// `found` at its sequence (nil: no entry there). Later confirmations do not matter: they came after.
    func maySign(expected committed: Head?, found: String?) -> Bool {
        state.withLock { state in
            guard state.refusal == nil else { return false }
            guard let committed, found != committed.hash else { return true }
            state.refusal = found == nil
                ? "audit entry \(committed.sequence), signed by this node, is gone: the chain was cut under the running server"
                : "audit entry \(committed.sequence) no longer has the hash this node signed: the chain was rewritten under the running server"
            return false
        }
    }
}

/// The head a PostgreSQL transaction signed, confirmed to the storage's memory once it commits.
final class PendingSignedHead: Sendable {
    @TaskLocal static var current: PendingSignedHead?

    private let head = Mutex<SignedHeadMemory.Head?>(nil)

    func set(_ value: SignedHeadMemory.Head) { head.withLock { $0 = value } }
    var value: SignedHeadMemory.Head? { head.withLock { $0 } }
}
