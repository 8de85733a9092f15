import FieldSyncCore
import Foundation

/// How a pull page is assembled from a backend's rows, the part of `SyncStorage.pullPage` that every
/// backend shares. A backend reads, inside one snapshot, the head and then the changes after `cursor`
/// visible to the scopes, in sequence order, asking for `rowLimit` rows (one more than the page holds,
/// to learn whether more follow), and offers each row to `add` until it answers false. A page holds at
/// most `limit` records and `maxBytes` bytes of states, and always at least one record.
struct PullPlan {
    let cursor: UInt64
    let head: UInt64
    let limit: Int
    let maxBytes: Int
    private var states: [Data] = []
    private var bytes = 0
    private var last: UInt64
    private var hasMore = false

    init(after cursor: UInt64, head: UInt64, limit: Int, maxBytes: Int = .max) {
        precondition(limit > 0 && maxBytes > 0)
        self.cursor = cursor
        self.head = head
        self.limit = limit
        self.maxBytes = maxBytes
        last = cursor
        states.reserveCapacity(min(limit, 1_000))
    }

    /// The rows to ask the backend for.
    var rowLimit: Int { limit + 1 }

    /// The page of a device that sees no unit: nothing, with the cursor at the head.
    static func empty(after cursor: UInt64, head: UInt64) -> StoredPage {
        StoredPage(states: [], cursor: max(cursor, head), hasMore: false, head: head)
    }

    /// Takes the row of change `sequence`; false once the page is full, by records or by bytes (the row is
    /// then not taken, and the page says more follow).
    mutating func add(sequence: UInt64, state: Data) -> Bool {
        guard states.count < limit, states.isEmpty || bytes + state.count <= maxBytes else {
            hasMore = true
            return false
        }
        bytes += state.count
        last = sequence
        states.append(state)
        return true
    }

    /// The page. Within the read snapshot nothing commits, and any change committed later has a higher
    /// sequence (SQLite's single writer; PostgreSQL's commit-ordered sequences, SPEC §10.5), so a complete
    /// page may move the cursor to the head: the changes between its last row and the head are all
    /// invisible to these scopes.
    var page: StoredPage {
        StoredPage(states: states, cursor: hasMore ? last : max(cursor, head), hasMore: hasMore, head: head)
    }
}
