import FieldSyncCore
import FieldSyncTestSupport
import Foundation
import Testing

/// `/v1/sync` bodies take the same direct reader as `/v1/push` (issue 16 item 1): it must yield exactly
/// what JSONDecoder yields, or give up.
@Suite("Fast sync and pull request parser agrees with JSONDecoder")
struct SyncRequestFastPathTests {
    static func requests() throws -> [SyncRequest] {
        let push = PushRequest(batchID: "b-1", records: try CodecSamples.states())
        return [
            SyncRequest(push: push, pull: PullRequest(cursor: "42", limit: 500)),
            SyncRequest(push: push, pull: nil),
            SyncRequest(push: nil, pull: PullRequest(cursor: nil)),
            SyncRequest(push: nil, pull: nil),
        ]
    }

    @Test("valid bodies from JSONEncoder, pretty-printed or not, parse to the same request by the fast path")
    func validBodies() throws {
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        for request in try Self.requests() {
            for body in [try JSONEncoder().encode(request), try pretty.encode(request)] {
                let fast = RecordStateJSON.decodeFast(SyncRequest.self, from: body)
                #expect(fast == request, "\(String(decoding: body, as: UTF8.self).prefix(200))")
                #expect(try WireCoding.decode(SyncRequest.self, from: body) == request)
            }
            if let pull = request.pull {
                #expect(RecordStateJSON.decodeFast(PullRequest.self, from: try JSONEncoder().encode(pull)) == pull)
            }
        }
    }

    @Test("truncated and edited bodies: the fast path gives up or agrees with JSONDecoder, never differs")
    func brokenBodies() throws {
        let body = Array(try JSONEncoder().encode(try Self.requests()[0]))
        var variants = CodecSamples.variants(of: body, truncatedEvery: 2, seed: 0x5CED, edits: 3_000)
        let text = String(decoding: body, as: UTF8.self)
        for edit in [("\"pull\":{", "\"pull\":null,\"x\":{"), ("\"cursor\":\"42\"", "\"cursor\":null"), ("\"cursor\":\"42\"", "\"cursor\":42"),
                     ("\"limit\":500", "\"limit\":5e2"), ("\"limit\":500", "\"limit\":500.0"), ("\"push\":{", "\"push\":null,\"push\":{"),
                     ("\"limit\":500", "\"limit\":99999999999999999999"), ("\"protocolVersion\":1", "\"protocolVersion\":2")] {
            variants.append(Array(text.replacingOccurrences(of: edit.0, with: edit.1).utf8))
        }
        var agreed = 0
        for variant in variants {
            let data = Data(variant)
            if let fast = RecordStateJSON.decodeFast(SyncRequest.self, from: data) {
                #expect(fast == (try? JSONDecoder().decode(SyncRequest.self, from: data)), "\(String(decoding: variant, as: UTF8.self))")
                agreed += 1
            }
        }
        // Some edits leave a valid body (an edit inside a string): the fast path must have read those.
        #expect(agreed > 0)
    }
}
