import FieldSyncCore
import FieldSyncTestSupport
import Foundation
import Testing

/// Terminals write their sync, push and pull requests with the direct writer (issue 16 item 1): the
/// bytes must be the canonical JSONEncoder form, and read back to the same request whatever the strings hold.
@Suite("Direct request writer")
struct RequestEncoderTests {
    static func requests(_ states: [RecordState], batchID: String = "b-1", cursor: String? = "42") -> [SyncRequest] {
        let push = PushRequest(batchID: batchID, records: states)
        return [
            SyncRequest(push: push, pull: PullRequest(cursor: cursor, limit: 500, maxBytes: 4 << 20)),
            SyncRequest(push: push, pull: nil),
            SyncRequest(push: PushRequest(batchID: batchID, records: []), pull: PullRequest(cursor: nil)),
            SyncRequest(push: nil, pull: PullRequest(cursor: cursor, limit: 1, maxBytes: nil)),
            SyncRequest(push: nil, pull: nil),
        ]
    }

    @Test("sync, push and pull requests: exactly the canonical bytes of JSONEncoder")
    func canonicalBytes() throws {
        for request in Self.requests(try CodecSamples.states()) {
            let fast = try #require(RecordStateJSON.encodeFast(request))
            #expect(fast == (try WireCoding.canonical(request)), "\(String(decoding: fast, as: UTF8.self).prefix(300))")
            #expect(try WireCoding.encode(request) == fast)
            if let push = request.push { #expect(RecordStateJSON.encodeFast(push) == (try WireCoding.canonical(push))) }
            if let pull = request.pull { #expect(RecordStateJSON.encodeFast(pull) == (try WireCoding.canonical(pull))) }
        }
    }

    @Test("awkward strings in batch ids, cursors and values read back to the same request, by both readers")
    func awkwardStrings() throws {
        let factory = RecordFactory(replica: ReplicaID("t-0a1b"), station: UnitID("KH.P03.S012"), now: 1_795_420_800_000)
        let awkward = "quote \" backslash \\ newline \n tab \t bell \u{07} nul \u{00} 中文 🚓 slash / del \u{7F}"
        let report = try factory.incidentReport("i-1", narrative: awkward)
        for request in Self.requests([report, try factory.patrolSignIn("p-1")], batchID: awkward, cursor: awkward) {
            let fast = try #require(RecordStateJSON.encodeFast(request))
            #expect(try JSONDecoder().decode(SyncRequest.self, from: fast) == request)
            #expect(try WireCoding.decode(SyncRequest.self, from: fast) == request)
        }
    }

    @Test("other messages are left to JSONEncoder")
    func otherMessages() throws {
        #expect(RecordStateJSON.encodeFast(LeaseRequest()) == nil)
        #expect(RecordStateJSON.encodeFast(EnrollRequest(token: "t", deviceName: "d")) == nil)
        let lease = try WireCoding.encode(LeaseRequest())
        #expect(try JSONDecoder().decode(LeaseRequest.self, from: lease) == LeaseRequest())
    }
}
