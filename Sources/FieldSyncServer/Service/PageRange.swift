import Foundation

/// A run of one scope set's changes, read complete from storage: every change after `after` and up to
/// `through` that those scopes saw when it was read, as the comma-separated JSON of the records' states,
/// deflated once (`DeflatedPiece`).
///
/// A range stays correct to send later (issue 16, item 3): a record that changes after the read gets a
/// sequence above the head of that read, so above `through`, and a terminal that continues from `through`
/// receives the newer state too (joins are idempotent). Only a retention purge makes a range wrong, and
/// the cache is emptied by one.
struct PageRange: Sendable {
    /// The cursor the range starts after.
    let after: UInt64
    /// The cursor after the range.
    let through: UInt64
    /// Records in the range.
    let count: Int
    /// Bytes of the records' states (the page budget's measure: `PullPlan`).
    let stateBytes: Int
    /// The states joined by commas, deflated (nil for a range read for an answer sent without gzip,
    /// which is neither deflated nor cached).
    let piece: DeflatedPiece?
    /// The same bytes uncompressed, while the range is fresh from storage (nil once cached: the cache
    /// keeps compressed bytes only).
    let plain: Data?
    /// When it was read (ms since 1970).
    let readAt: Int64

    /// The range of a page just read: its states from `after` up to the page's cursor, deflated at `level`
    /// (not at all when nil).
    init(page: StoredPage, after: UInt64, readAt: Int64, level: Int32? = DeflatedPiece.defaultLevel) {
        var plain = Data()
        plain.reserveCapacity(page.states.reduce(0) { $0 + $1.count + 1 })
        var stateBytes = 0
        for (index, state) in page.states.enumerated() {
            if index > 0 { plain.append(0x2C) }
            plain.append(state)
            stateBytes += state.count
        }
        self.after = after
        self.through = page.cursor
        self.count = page.states.count
        self.stateBytes = stateBytes
        self.piece = level.map { DeflatedPiece(plain, level: $0) }
        self.plain = plain
        self.readAt = readAt
    }

    private init(copying range: PageRange, plain: Data?) {
        after = range.after
        through = range.through
        count = range.count
        stateBytes = range.stateBytes
        piece = range.piece
        self.plain = plain
        readAt = range.readAt
    }

    /// The range as the cache keeps it: compressed bytes only (nil when it was never deflated).
    var compressedOnly: PageRange? { piece == nil ? nil : PageRange(copying: self, plain: nil) }

    /// Bytes of the states joined by commas.
    var length: Int { plain?.count ?? piece?.length ?? 0 }

    /// The states joined by commas.
    func states() throws -> Data {
        if let plain { return plain }
        guard let inflated = piece?.inflated() else { throw ServerError(.unavailable, "a cached pull range could not be inflated") }
        return inflated
    }

    /// The states joined by commas, deflated: as cached, or now (a range read for a plain answer).
    func deflated() -> DeflatedPiece {
        piece ?? DeflatedPiece(plain ?? Data(), level: DeflatedPiece.fastLevel)
    }
}
