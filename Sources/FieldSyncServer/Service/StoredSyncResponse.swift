import FieldSyncCore
import Foundation

/// The answer to a sync round (push, then pull) as the service builds it: the push's answers and the pull
/// page with its states as stored. `/v1/sync` sends `json()`; `SyncService.sync` decodes it into a
/// `SyncResponse`. Both come from this one type, so the wire shape and the decoded one cannot drift.
public struct StoredSyncResponse: Sendable {
    /// The push's answers, when the round pushed.
    public var push: PushResponse?
    /// The pull page, when the round pulled.
    public var pull: EncodedPage?
    /// The server clock (ms since 1970) when the answer was built.
    public var serverTime: Int64

    /// An answer with the round's parts and the server clock when it was built.
    public init(push: PushResponse?, pull: EncodedPage?, serverTime: Int64) {
        self.push = push
        self.pull = pull
        self.serverTime = serverTime
    }

    /// The answer as protocol JSON, the shape of `SyncResponse`'s Codable form with the page spliced from
    /// the stored states (`EncodedPage.json`).
    public func json() throws -> Data {
        var json = try prefix()
        if let pull { json.append(try pull.json(serverTime: serverTime)) }
        json.append(suffix)
        return json
    }

    /// The same bytes as `json()`, as one gzip member: the page's ranges go in as they were deflated.
    public func gzip() throws -> [UInt8] {
        var composer = GzipComposer(capacity: (pull?.deflatedLength ?? 0) + 256)
        let prefix = try prefix()
        if let pull {
            pull.write(to: &composer, after: prefix, serverTime: serverTime)
        } else {
            composer.append(plain: prefix)
        }
        composer.append(plain: suffix)
        return composer.finish()
    }

    /// Bytes of the plain answer, near enough to decide whether gzip pays.
    var plainLength: Int { (pull?.plainLength ?? 0) + (push?.results.count ?? 0) * 64 + 256 }

    private func prefix() throws -> Data {
        var json = Data("{\"protocolVersion\":\(WireCoding.protocolVersion)".utf8)
        if let push {
            json.append(contentsOf: Array(",\"push\":".utf8))
            // Sorted keys: the same answer always gives the same bytes (Foundation's key order varies).
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            json.append(try encoder.encode(push))
        }
        if pull != nil { json.append(contentsOf: Array(",\"pull\":".utf8)) }
        return json
    }

    private var suffix: Data { Data(",\"serverTime\":\(serverTime)}".utf8) }
}
