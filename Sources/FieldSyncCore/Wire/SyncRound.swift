/// `POST /v1/sync`: one round trip that pushes and then pulls, to keep reconnect storms cheap.
/// The push is applied before the pull page is read, so the page includes the terminal's own accepted
/// changes (it joins them idempotently).
public struct SyncRequest: ProtocolMessage, Hashable {
    /// The protocol version the message is written in (`WireCoding.protocolVersion` when built here).
    public var protocolVersion: Int
    /// The batch to push first, or nil to pull only.
    public var push: PushRequest?
    /// The pull to answer after the push is applied, or nil to push only.
    public var pull: PullRequest?

    /// A round of `push` then `pull`; either may be nil.
    public init(push: PushRequest?, pull: PullRequest?, protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.push = push
        self.pull = pull
    }
}

/// The answer to `SyncRequest`. A whole-request error (a non-2xx `ProtocolError`) fails both parts.
public struct SyncResponse: ProtocolMessage, Hashable {
    /// The protocol version the message is written in (`WireCoding.protocolVersion` when built here).
    public var protocolVersion: Int
    /// The answer to the request's push; nil when it had none.
    public var push: PushResponse?
    /// The page read after the push was applied; nil when the request asked for none.
    public var pull: PullPage?
    /// The server's wall clock when it answered, milliseconds since 1970: the terminal corrects its
    /// hybrid clock by it.
    public var serverTime: Int64

    /// An answer as given (the server builds it).
    public init(push: PushResponse?, pull: PullPage?, serverTime: Int64, protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.push = push
        self.pull = pull
        self.serverTime = serverTime
    }
}
