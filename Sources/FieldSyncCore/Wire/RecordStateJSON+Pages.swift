import Foundation

extension RecordStateJSON {
    /// The fast path for the messages that carry record states, on both sides: the server's push, pull and
    /// sync requests, the terminal's sync answers and pull pages. They are read with the direct reader instead
    /// of `JSONDecoder` (several times faster; record states are most of every sync). Yields exactly what
    /// `JSONDecoder` would, or nil for any body it does not read so (unknown members, fractions, nulls,
    /// another shape): then `WireCoding` decodes it as usual, errors included. The push answer inside a sync
    /// response is small and goes to `JSONDecoder`.
    public static func decodeFast<Message: ProtocolMessage>(_ type: Message.Type, from data: Data) -> Message? {
        guard Message.self == SyncResponse.self || Message.self == PullPage.self || Message.self == SyncRequest.self
                || Message.self == PushRequest.self || Message.self == PullRequest.self else { return nil }
        return data.withUnsafeBytes { buffer -> Message? in
            var reader = Reader(bytes: buffer)
            do {
                let message: Message?
                if Message.self == PullPage.self {
                    message = try reader.pullPage() as? Message
                } else if Message.self == SyncResponse.self {
                    message = try reader.syncResponse(in: data) as? Message
                } else if Message.self == SyncRequest.self {
                    message = try reader.syncRequest() as? Message
                } else if Message.self == PushRequest.self {
                    message = try reader.pushRequest() as? Message
                } else {
                    message = try reader.pullRequest() as? Message
                }
                reader.skipSpace()
                return reader.position == buffer.count ? message : nil
            } catch {
                return nil
            }
        }
    }
}

extension RecordStateJSON.Reader {
    struct NotReadHere: Error {}

    mutating func pullPage() throws -> PullPage {
        var version: Int?, records: [RecordState]?, cursor: String?, hasMore: Bool?, serverTime: Int64?
        var checkpoint: AuditCheckpoint?
        try members { reader, key in
            switch key {
            case "protocolVersion": version = Int(exactly: try reader.integer())
            case "records":
                var states: [RecordState] = []
                try reader.sequence(UInt8(ascii: "["), UInt8(ascii: "]")) { states.append(try $0.state()) }
                records = states
            case "cursor": cursor = try reader.string()
            case "hasMore":
                guard case .bool(let flag) = try reader.value() else { throw NotReadHere() }
                hasMore = flag
            case "serverTime": serverTime = try reader.integer()
            case "auditCheckpoint": checkpoint = try reader.auditCheckpoint()
            default: throw NotReadHere()
            }
        }
        guard let version, let records, let cursor, let hasMore, let serverTime else { throw NotReadHere() }
        return PullPage(records: records, cursor: cursor, hasMore: hasMore, serverTime: serverTime,
                        auditCheckpoint: checkpoint, protocolVersion: version)
    }

    /// A sync round's request: members in any order; an absent part is nil (a `null` one is left to `JSONDecoder`).
    mutating func syncRequest() throws -> SyncRequest {
        var version: Int?, push: PushRequest?, pull: PullRequest?
        try members { reader, key in
            switch key {
            case "protocolVersion": version = Int(exactly: try reader.integer())
            case "push": push = try reader.pushRequest()
            case "pull": pull = try reader.pullRequest()
            default: throw NotReadHere()
            }
        }
        guard let version else { throw NotReadHere() }
        return SyncRequest(push: push, pull: pull, protocolVersion: version)
    }

    mutating func pushRequest() throws -> PushRequest {
        var version: Int?, batchID: String?, records: [RecordState]?
        try members { reader, key in
            switch key {
            case "protocolVersion": version = Int(exactly: try reader.integer())
            case "batchID": batchID = try reader.string()
            case "records":
                var states: [RecordState] = []
                try reader.sequence(UInt8(ascii: "["), UInt8(ascii: "]")) { states.append(try $0.state()) }
                records = states
            default: throw NotReadHere()
            }
        }
        guard let version, let batchID, let records else { throw NotReadHere() }
        return PushRequest(batchID: batchID, records: records, protocolVersion: version)
    }

    /// A pull request: `cursor` may be absent (the beginning); a `null` cursor is left to `JSONDecoder`.
    mutating func pullRequest() throws -> PullRequest {
        var version: Int?, cursor: String?, limit: Int?, maxBytes: Int?
        try members { reader, key in
            switch key {
            case "protocolVersion": version = Int(exactly: try reader.integer())
            case "cursor": cursor = try reader.string()
            case "limit": limit = Int(exactly: try reader.integer())
            case "maxBytes": maxBytes = Int(exactly: try reader.integer())
            default: throw NotReadHere()
            }
        }
        guard let version, let limit else { throw NotReadHere() }
        return PullRequest(cursor: cursor, limit: limit, maxBytes: maxBytes, protocolVersion: version)
    }

    /// A checkpoint is small and rare (last page only): its members are read the plain way.
    mutating func auditCheckpoint() throws -> AuditCheckpoint {
        var sequence: UInt64?, headHash: String?, at: Int64?, keyID: String?, signature: String?
        try members { reader, key in
            switch key {
            case "sequence":
                guard let value = UInt64(exactly: try reader.integer()) else { throw NotReadHere() }
                sequence = value
            case "headHash": headHash = try reader.string()
            case "at": at = try reader.integer()
            case "keyID": keyID = try reader.string()
            case "signature": signature = try reader.string()
            default: throw NotReadHere()
            }
        }
        guard let sequence, let headHash, let at, let keyID, let signature else { throw NotReadHere() }
        return AuditCheckpoint(sequence: sequence, headHash: headHash, at: at, keyID: keyID, signature: signature)
    }

    /// `data` is the buffer being read, for handing the push answer's bytes to `JSONDecoder`.
    mutating func syncResponse(in data: Data) throws -> SyncResponse {
        var version: Int?, push: PushResponse?, pull: PullPage?, serverTime: Int64?
        try members { reader, key in
            switch key {
            case "protocolVersion": version = Int(exactly: try reader.integer())
            case "push":
                reader.skipSpace()
                let start = reader.position
                _ = try reader.value()
                push = try JSONDecoder().decode(PushResponse.self, from: data.subdata(in: (data.startIndex + start)..<(data.startIndex + reader.position)))
            case "pull": pull = try reader.pullPage()
            case "serverTime": serverTime = try reader.integer()
            default: throw NotReadHere()
            }
        }
        guard let version, let serverTime else { throw NotReadHere() }
        return SyncResponse(push: push, pull: pull, serverTime: serverTime, protocolVersion: version)
    }
}
