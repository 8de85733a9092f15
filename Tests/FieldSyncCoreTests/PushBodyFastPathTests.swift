import FieldSyncCore
import FieldSyncTestSupport
import Foundation
import Testing

@Suite("Fast push body parser agrees with JSONDecoder")
struct PushBodyFastPathTests {
    static func decoded(_ data: Data) -> PushRequest? { try? JSONDecoder().decode(PushRequest.self, from: data) }

    @Test("valid bodies from JSONEncoder and from the direct writer parse to the same request")
    func validBodies() throws {
        let request = PushRequest(batchID: "b-1", records: try CodecSamples.states())
        var direct = Data(#"{"batchID":"b-1","protocolVersion":1,"records":["#.utf8)
        for (index, state) in request.records.enumerated() {
            if index > 0 { direct.append(0x2C) }
            direct.append(RecordStateJSON.encode(state))
        }
        direct.append(contentsOf: Array("]}".utf8))
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        for body in [try JSONEncoder().encode(request), direct, try pretty.encode(request)] {
            let fast = RecordStateJSON.decodeFast(PushRequest.self, from: body)
            #expect(fast != nil)
            #expect(fast == Self.decoded(body))
            #expect(fast == request)
        }
    }

    @Test("truncated and edited bodies: the fast path gives up or agrees with JSONDecoder, never differs")
    func brokenBodies() throws {
        let body = Array(try JSONEncoder().encode(PushRequest(batchID: "b-1", records: try CodecSamples.states())))
        // Seeded single-byte edits, and edits that JSONDecoder tolerates but the fast path must not misread.
        var variants = CodecSamples.variants(of: body, truncatedEvery: 1, seed: 0xFA57, edits: 3_000)
        let text = String(decoding: body, as: UTF8.self)
        for edit in [("\"batchID\"", "\"batchID\":\"x\",\"batchID\""), ("\"by\":", "\"extra\":null,\"by\":"), ("true", "1.0"),
                     ("\"schemaVersion\":1", "\"schemaVersion\":1.0"), ("\"protocolVersion\":1", "\"protocolVersion\":1e0"),
                     ("KH1234", "KH\\u0031234"), ("\"vv\":{", "\"vv\":{\"t-0a1b\":0,")] {
            variants.append(Array(text.replacingOccurrences(of: edit.0, with: edit.1).utf8))
        }
        print("seed 0xFA57, \(variants.count) variants")
        for variant in variants {
            let data = Data(variant)
            if let fast = RecordStateJSON.decodeFast(PushRequest.self, from: data) {
                #expect(fast == Self.decoded(data), "\(String(decoding: variant, as: UTF8.self))")
            }
        }
    }
}
