import FieldSyncCore
import Foundation

/// A pull page as the service answers it: consecutive ranges of states (from the page-range cache or
/// just read) and the page's own fields. It is written either as plain JSON or straight into a gzip
/// answer, where each range's deflated bytes are copied, not compressed again (`GzipComposer`). Both
/// forms have exactly the bytes of `StoredPage.json` for the same states.
public struct EncodedPage: Sendable {
    var ranges: [PageRange]
    /// The checkpoint after this page.
    public var cursor: UInt64
    /// More changes visible to the same scopes may lie after `cursor`.
    public var hasMore: Bool
    /// The latest signed audit checkpoint, on a pull's last page.
    public var auditCheckpoint: AuditCheckpoint?

    init(ranges: [PageRange], cursor: UInt64, hasMore: Bool) {
        self.ranges = ranges
        self.cursor = cursor
        self.hasMore = hasMore
    }

    /// Records in the page.
    public var count: Int { ranges.reduce(0) { $0 + $1.count } }

    /// Bytes of the page's plain JSON, less its small envelope: whether gzip is worth it.
    var plainLength: Int { ranges.reduce(0) { $0 + $1.length + 1 } }

    /// Bytes of the page's deflated ranges, as far as they are deflated already.
    var deflatedLength: Int { ranges.reduce(0) { $0 + ($1.piece?.deflated.count ?? $1.length / 4) } }

    /// The page as plain protocol JSON (cached ranges are inflated).
    public func json(serverTime: Int64) throws -> Data {
        var json = Data()
        json.reserveCapacity(plainLength + 256)
        json.append(StoredPage.jsonPrefix)
        for (index, range) in ranges.enumerated() {
            if index > 0 { json.append(0x2C) }
            json.append(try range.states())
        }
        json.append(suffix(serverTime: serverTime))
        return json
    }

    /// Appends the page's JSON to a gzip answer after `prefix` (the bytes before the page in the answer).
    func write(to composer: inout GzipComposer, after prefix: Data, serverTime: Int64) {
        var plain = prefix
        plain.append(StoredPage.jsonPrefix)
        for (index, range) in ranges.enumerated() {
            if index > 0 { plain.append(0x2C) }
            composer.append(plain: plain)
            plain = Data()
            composer.append(range.deflated())
        }
        plain.append(suffix(serverTime: serverTime))
        composer.append(plain: plain)
    }

    func suffix(serverTime: Int64) -> Data {
        StoredPage.jsonSuffix(cursor: cursor, hasMore: hasMore, serverTime: serverTime, auditCheckpoint: auditCheckpoint)
    }

    /// The page decoded (tests, the simulator's checks, `SyncService.pull`).
    func decoded(serverTime: Int64) throws -> PullPage {
        try WireCoding.decode(PullPage.self, from: try json(serverTime: serverTime))
    }
}
