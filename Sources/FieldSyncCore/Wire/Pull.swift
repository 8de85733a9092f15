/// `POST /v1/pull`: changes the terminal may see, after its checkpoint.
public struct PullRequest: ProtocolMessage, Hashable {
    /// The protocol version the message is written in (`WireCoding.protocolVersion` when built here).
    public var protocolVersion: Int
    /// The `cursor` of the last page applied, or nil for the beginning. Opaque to the terminal.
    public var cursor: String?
    /// Most records in one page; the server may send fewer (and caps it).
    public var limit: Int
    /// Most bytes of record states in one page (the terminal's memory budget for a page), or nil for the
    /// server's own cap. The server caps it too; a page always holds at least one record, whatever its size.
    public var maxBytes: Int?

    /// A request for the page after `cursor`. `limit` must be at least 1 (the server refuses less as
    /// `malformedRequest`); the server caps it (10,000 records and 4 MiB of states by default).
    public init(cursor: String?, limit: Int = 1_000, maxBytes: Int? = nil, protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.cursor = cursor
        self.limit = limit
        self.maxBytes = maxBytes
    }
}

/// The answer to `PullRequest`: changes after the cursor, each record at most once, as its full
/// current state.
public struct PullPage: ProtocolMessage, Hashable {
    /// The protocol version the message is written in (`WireCoding.protocolVersion` when built here).
    public var protocolVersion: Int
    /// Full record states, each to be joined into the terminal's own.
    public var records: [RecordState]
    /// The checkpoint after this page: store it in the same transaction that applies the page.
    public var cursor: String
    /// More changes wait: pull again with `cursor`.
    public var hasMore: Bool
    /// The server's wall clock when it answered, milliseconds since 1970: the terminal corrects its
    /// hybrid clock by it.
    public var serverTime: Int64
    /// The latest signed head of the server's audit chain (§8.7), on the last page of a pull; absent from
    /// a server that signs none. The terminal verifies and keeps it.
    public var auditCheckpoint: AuditCheckpoint?

    /// A page as given (the server builds it).
    public init(records: [RecordState], cursor: String, hasMore: Bool, serverTime: Int64,
                auditCheckpoint: AuditCheckpoint? = nil, protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.records = records
        self.cursor = cursor
        self.hasMore = hasMore
        self.serverTime = serverTime
        self.auditCheckpoint = auditCheckpoint
    }
}
