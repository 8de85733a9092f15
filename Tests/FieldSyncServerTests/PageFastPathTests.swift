import FieldSyncCore
@testable import FieldSyncServer
import FieldSyncTesting
import Foundation
import Testing

@Suite("Fast page parser (terminal side) agrees with JSONDecoder")
struct PageFastPathTests {
    /// A sync answer as the server sends it: the push answer from JSONEncoder, the page spliced from stored JSON.
    /// With `rejectedState`, a rejection carries the record's state: nested deeper than the direct reader
    /// reads values, so the whole answer takes the JSONDecoder path (correct, only slower; rejections are rare).
    static func syncBody(rejectedState: Bool = false) throws -> Data {
        let states = try CodecSamples.states()
        let page = StoredPage(states: states.map(RecordStateJSON.encode), cursor: 42, hasMore: true, head: 50)
        let push = PushResponse(batchID: "b-1", results: [
            RecordResult(id: RecordID("i-1"), outcome: .accepted(seq: 7)),
            RecordResult(id: RecordID("p-1"), outcome: .rejected(Rejection(.locked, fields: ["narrative"], message: "closed"),
                                                                   current: rejectedState ? states[1] : nil)),
        ], serverTime: 1_795_420_800_000)
        var json = Data("{\"protocolVersion\":1,\"push\":".utf8)
        json.append(try JSONEncoder().encode(push))
        json.append(contentsOf: Array(",\"pull\":".utf8))
        json.append(page.json(serverTime: 1_795_420_800_001))
        json.append(contentsOf: Array(",\"serverTime\":1795420800002}".utf8))
        return json
    }

    @Test("sync answers and pull pages parse to what JSONDecoder gives")
    func validBodies() throws {
        let body = try Self.syncBody()
        let fast = RecordStateJSON.decodeFast(SyncResponse.self, from: body)
        #expect(fast != nil)
        let slow = try JSONDecoder().decode(SyncResponse.self, from: body)
        #expect(fast == slow)
        #expect(fast?.pull?.records.count == 4 && fast?.push?.results.count == 2)
        let deep = try Self.syncBody(rejectedState: true)
        let deepSlow = try JSONDecoder().decode(SyncResponse.self, from: deep)
        #expect(try WireCoding.decode(SyncResponse.self, from: deep) == deepSlow)
        let page = StoredPage(states: [], cursor: 3, hasMore: false, head: 3).json(serverTime: 9)
        let empty = RecordStateJSON.decodeFast(PullPage.self, from: page)
        let emptySlow = try JSONDecoder().decode(PullPage.self, from: page)
        #expect(empty != nil && empty == emptySlow)
        #expect(RecordStateJSON.decodeFast(SyncResponse.self, from: Data(#"{"protocolVersion":1,"serverTime":5}"#.utf8))?.serverTime == 5)
        // The last page carries the signed audit head (SPEC §8.7): still the fast path, with the same checkpoint.
        var last = StoredPage(states: [RecordStateJSON.encode(try CodecSamples.states()[0])], cursor: 3, hasMore: false, head: 3)
        last.auditCheckpoint = try TestStorage.testSigner().sign(sequence: 12, headHash: String(repeating: "c", count: 64), at: 4)
        let signed = last.json(serverTime: 9)
        let signedFast = RecordStateJSON.decodeFast(PullPage.self, from: signed)
        let signedSlow = try JSONDecoder().decode(PullPage.self, from: signed)
        #expect(signedFast != nil && signedFast == signedSlow)
        #expect(signedFast?.auditCheckpoint == last.auditCheckpoint)
    }

    @Test("truncated and edited answers: the fast path gives up or agrees with JSONDecoder, never differs")
    func brokenBodies() throws {
        let body = Array(try Self.syncBody())
        var variants = CodecSamples.variants(of: body, truncatedEvery: 3, seed: 0x9A6E, edits: 2_000)
        let text = String(decoding: body, as: UTF8.self)
        for edit in [("\"hasMore\":true", "\"hasMore\":1"), ("\"cursor\":\"42\"", "\"cursor\":42"), ("\"push\":{", "\"push\":null,\"x\":{"),
                     ("\"serverTime\":1795420800002", "\"serverTime\":1.5"), ("\"pull\":{", "\"pull\":{\"extra\":0,"),
                     ("\"protocolVersion\":1,\"push\"", "\"protocolVersion\":2,\"push\"")] {
            variants.append(Array(text.replacingOccurrences(of: edit.0, with: edit.1).utf8))
        }
        print("seed 0x9A6E, \(variants.count) variants")
        for variant in variants {
            let data = Data(variant)
            if let fast = RecordStateJSON.decodeFast(SyncResponse.self, from: data) {
                #expect(fast == (try? JSONDecoder().decode(SyncResponse.self, from: data)), "\(String(decoding: variant, as: UTF8.self))")
            }
        }
    }
}
