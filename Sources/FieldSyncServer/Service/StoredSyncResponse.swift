import FieldSyncCore
import Foundation

/// The answer to a sync round (push, then pull) as the service builds it: the push's answers and the pull
/// page with its states as stored. `/v1/sync` sends `json()`; `SyncService.sync` decodes it into a
/// `SyncResponse`. Both come from this one type, so the wire shape and the decoded one cannot drift.
public struct StoredSyncResponse: Sendable {
    /// The push's answers, when the round pushed.
    public var push: PushResponse?
    /// The pull page, when the round pulled.
    public var pull: StoredPage?
    /// The server clock (ms since 1970) when the answer was built.
    public var serverTime: Int64

    /// An answer with the round's parts and the server clock when it was built.
    public init(push: PushResponse?, pull: StoredPage?, serverTime: Int64) {
        self.push = push
        self.pull = pull
        self.serverTime = serverTime
    }

    /// The answer as protocol JSON, the shape of `SyncResponse`'s Codable form with the page spliced from
    /// the stored states (`StoredPage.json`).
    public func json() throws -> Data {
        var json = Data("{\"protocolVersion\":\(WireCoding.protocolVersion)".utf8)
        if let push {
            json.append(contentsOf: Array(",\"push\":".utf8))
            json.append(try JSONEncoder().encode(push))
        }
        if let pull {
            json.append(contentsOf: Array(",\"pull\":".utf8))
            json.append(pull.json(serverTime: serverTime))
        }
        json.append(contentsOf: Array(",\"serverTime\":\(serverTime)}".utf8))
        return json
    }
}
