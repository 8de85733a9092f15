import FieldSyncCore
import Foundation

/// One page of a pull as the storage reads it: record states as stored JSON, so that the HTTP edge can
/// send them without decoding and re-encoding.
public struct StoredPage: Sendable {
    /// The records' states, each as the canonical JSON the storage keeps, in change-sequence order.
    public var states: [Data]
    /// The checkpoint after this page.
    public var cursor: UInt64
    /// More changes visible to the same scopes lie after `cursor`.
    public var hasMore: Bool
    /// The latest change sequence when the page was read (for the pull-lag metric).
    public var head: UInt64
    /// The latest signed audit checkpoint, on a pull's last page (the service adds it, not the storage).
    public var auditCheckpoint: AuditCheckpoint?

    public init(states: [Data], cursor: UInt64, hasMore: Bool, head: UInt64) {
        self.states = states
        self.cursor = cursor
        self.hasMore = hasMore
        self.head = head
    }

    /// The page as protocol JSON, spliced from the stored states: the states are sent as stored, not
    /// decoded and re-encoded, which is most of the cost of a pull. Same shape as `PullPage`'s Codable form.
    public func json(serverTime: Int64) -> Data {
        var json = Data()
        json.reserveCapacity(states.reduce(128) { $0 + $1.count + 1 })
        json.append(Self.jsonPrefix)
        for (index, state) in states.enumerated() {
            if index > 0 { json.append(0x2C) }
            json.append(state)
        }
        json.append(Self.jsonSuffix(cursor: cursor, hasMore: hasMore, serverTime: serverTime, auditCheckpoint: auditCheckpoint))
        return json
    }

    /// A page's JSON up to its first record's state: every page spliced from states starts so.
    static let jsonPrefix = Data("{\"protocolVersion\":\(WireCoding.protocolVersion),\"records\":[".utf8)

    /// A page's JSON after its last record's state.
    static func jsonSuffix(cursor: UInt64, hasMore: Bool, serverTime: Int64, auditCheckpoint: AuditCheckpoint?) -> Data {
        var json = Data("],\"cursor\":\"\(cursor)\",\"hasMore\":\(hasMore),\"serverTime\":\(serverTime)".utf8)
        if let auditCheckpoint, let encoded = try? JSONEncoder().encode(auditCheckpoint) {
            json.append(contentsOf: Array(",\"auditCheckpoint\":".utf8))
            json.append(encoded)
        }
        json.append(0x7D)
        return json
    }
}
