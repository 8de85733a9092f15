/// `POST /v1/sync`: one round trip that pushes and then pulls, to keep reconnect storms cheap.
/// The push is applied before the pull page is read, so the page includes the terminal's own accepted
/// changes (it joins them idempotently).
public struct SyncRequest: ProtocolMessage, Hashable {
    public var protocolVersion: Int
    public var push: PushRequest?
    public var pull: PullRequest?

    public init(push: PushRequest?, pull: PullRequest?, protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.push = push
        self.pull = pull
    }
}

public struct SyncResponse: ProtocolMessage, Hashable {
    public var protocolVersion: Int
    public var push: PushResponse?
    public var pull: PullPage?
    public var serverTime: Int64

    public init(push: PushResponse?, pull: PullPage?, serverTime: Int64, protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.push = push
        self.pull = pull
        self.serverTime = serverTime
    }
}
