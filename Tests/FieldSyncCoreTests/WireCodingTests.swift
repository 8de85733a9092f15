import FieldSyncCore
import Foundation
import Testing

@Suite("Wire coding")
struct WireCodingTests {
    @Test("a record state round-trips through JSON")
    func recordRoundTrip() throws {
        let state = Fixtures.incident()
        let decoded = try WireCoding.decodeBody(RecordState.self, from: try WireCoding.encode(state))
        #expect(decoded == state)
    }

    @Test("unknown members are ignored: a newer peer's extra fields do not break a v1 reader")
    func forwardCompatible() throws {
        let json = #"{"protocolVersion":1,"cursor":"7","limit":10,"compression":"zstd"}"#
        let request = try WireCoding.decode(PullRequest.self, from: Data(json.utf8))
        #expect(request.cursor == "7" && request.limit == 10)
        let rejection = try JSONDecoder().decode(Rejection.self, from: Data(#"{"code":"quotaExceeded","fields":[],"message":"m"}"#.utf8))
        #expect(rejection.code.rawValue == "quotaExceeded")
    }

    @Test("typed errors for bad bodies", arguments: [
        ("", ProtocolError.Code.malformedRequest),
        ("{\"protocolVersion\":1,\"batchID\":\"b\",\"records\":[", .malformedRequest),
        ("{\"protocolVersion\":1,\"batchID\":7,\"records\":[]}", .malformedRequest),
        ("{\"protocolVersion\":1,\"records\":[]}", .malformedRequest),
        ("{\"protocolVersion\":2,\"batchID\":\"b\",\"records\":[]}", .unsupportedProtocolVersion),
        ("[1,2,3]", .malformedRequest),
    ])
    func badBodies(body: String, code: ProtocolError.Code) {
        #expect {
            _ = try WireCoding.decode(PushRequest.self, from: Data(body.utf8))
        } throws: { error in
            (error as? ProtocolError)?.code == code
        }
    }

    @Test("a wrong type says where it is")
    func errorPath() {
        let body = #"{"protocolVersion":1,"batchID":"b","records":[{"type":"incidentReport","id":"x","schemaVersion":"one","vv":{},"fields":{}}]}"#
        do {
            _ = try WireCoding.decode(PushRequest.self, from: Data(body.utf8))
            Issue.record("should fail")
        } catch {
            #expect(error.message.contains("records[0].schemaVersion"), "\(error.message)")
        }
    }

    @Test("values nested too deep are refused")
    func depth() {
        var json = "1"
        for _ in 0..<20 { json = "[" + json + "]" }
        #expect(throws: (any Error).self) { _ = try JSONDecoder().decode(FieldValue.self, from: Data(json.utf8)) }
    }

    @Test("receipt numbers are formatted from the lease")
    func receipts() {
        let lease = ReceiptLease(prefix: "KH.P03.S012", first: 1001, last: 1500)
        #expect(lease.receiptNumber(1001) == "KH.P03.S012-0001001")
        #expect(lease.count == 500)
    }
}
