import Foundation

extension RecordStateJSON {
    /// The terminal's side of the fast path: the requests that carry record states (a sync round, a
    /// push, a pull) written directly, keys sorted, instead of through `JSONEncoder`, which spent more
    /// time on a 500-record push than the server spent storing it. The bytes are exactly
    /// `WireCoding.canonical(_:)` of the message (tests hold it); nil for any other message.
    public static func encodeFast<Message: Encodable>(_ message: Message) -> Data? {
        var out = [UInt8]()
        if let sync = message as? SyncRequest {
            out.reserveCapacity(1_024 * ((sync.push?.records.count ?? 0) + 1))
            write(sync, into: &out)
        } else if let push = message as? PushRequest {
            out.reserveCapacity(1_024 * (push.records.count + 1))
            write(push, into: &out)
        } else if let pull = message as? PullRequest {
            write(pull, into: &out)
        } else {
            return nil
        }
        return Data(out)
    }

    /// `{"protocolVersion":…,"pull":…,"push":…}`; an absent part is left out, as `JSONEncoder` does.
    static func write(_ request: SyncRequest, into out: inout [UInt8]) {
        append("{\"protocolVersion\":", &out)
        append(String(request.protocolVersion), &out)
        if let pull = request.pull {
            append(",\"pull\":", &out)
            write(pull, into: &out)
        }
        if let push = request.push {
            append(",\"push\":", &out)
            write(push, into: &out)
        }
        out.append(0x7D)
    }

    static func write(_ request: PushRequest, into out: inout [UInt8]) {
        append("{\"batchID\":", &out)
        string(request.batchID, &out)
        append(",\"protocolVersion\":", &out)
        append(String(request.protocolVersion), &out)
        append(",\"records\":[", &out)
        for (index, state) in request.records.enumerated() {
            if index > 0 { out.append(0x2C) }
            write(state, into: &out)
        }
        append("]}", &out)
    }

    static func write(_ request: PullRequest, into out: inout [UInt8]) {
        out.append(0x7B)
        if let cursor = request.cursor {
            append("\"cursor\":", &out)
            string(cursor, &out)
            out.append(0x2C)
        }
        append("\"limit\":", &out)
        append(String(request.limit), &out)
        if let maxBytes = request.maxBytes {
            append(",\"maxBytes\":", &out)
            append(String(maxBytes), &out)
        }
        append(",\"protocolVersion\":", &out)
        append(String(request.protocolVersion), &out)
        out.append(0x7D)
    }
}
