import FieldSyncCore
import FieldSyncTestSupport
import Foundation
import Testing

/// Runs every vector in Protocol/vectors: the same files a second implementation runs.
@Suite("Protocol vectors")
struct ProtocolVectorTests {
    struct VectorFile<Case: Decodable>: Decodable {
        var description: String
        var cases: [Case]
    }

    static func load<Case: Decodable>(_ name: String, as: Case.Type) throws -> [Case] {
        try ProtocolVectors.load(name, as: VectorFile<Case>.self).cases
    }

    struct JoinCase: Decodable { var name: String; var a: RecordState; var b: RecordState; var expected: RecordState }

    @Test("joins")
    func joins() throws {
        let cases = try Self.load("joins", as: JoinCase.self)
        #expect(cases.count >= 7)
        for vector in cases {
            #expect(vector.a.joined(with: vector.b) == vector.expected, "\(vector.name)")
            #expect(vector.b.joined(with: vector.a) == vector.expected, "\(vector.name) (reversed)")
        }
    }

    struct ConflictCase: Decodable { var name: String; var state: RecordState; var expected: ConflictDescription? }

    @Test("conflict descriptions")
    func conflicts() throws {
        let cases = try Self.load("conflicts", as: ConflictCase.self)
        #expect(cases.count >= 4)
        for vector in cases {
            let schema = try #require(SchemaRegistry.standard[vector.state.type])
            #expect(schema.conflicts(in: vector.state) == vector.expected, "\(vector.name)")
        }
    }

    struct RejectionCase: Decodable {
        struct Expected: Decodable {
            struct Rejected: Decodable { var code: RejectionCode; var fields: [String] }
            var accepted: RecordState?
            var rejected: Rejected?
        }
        var name: String
        var current: RecordState?
        var incoming: RecordState
        var writer: ReplicaID
        var latestAllowedWall: Int64?
        var expected: Expected
    }

    @Test("rejections and acceptances")
    func rejections() throws {
        let cases = try Self.load("rejections", as: RejectionCase.self)
        #expect(cases.count >= 15)
        for vector in cases {
            let outcome = SchemaRegistry.standard.schema(for: vector.incoming).flatMap { schema in
                schema.admit(vector.incoming, onto: vector.current, writer: vector.writer, latestAllowedWall: vector.latestAllowedWall)
            }
            switch (outcome, vector.expected.accepted, vector.expected.rejected) {
            case (.success(let state), let expected?, nil):
                #expect(state == expected, "\(vector.name)")
            case (.failure(let rejection), nil, let expected?):
                #expect(rejection.code == expected.code && rejection.fields == expected.fields,
                        "\(vector.name): got \(rejection)")
            default:
                Issue.record("\(vector.name): got \(outcome)")
            }
        }
    }

    struct MessageCase: Decodable { var name: String; var type: String; var json: JSONValue }

    @Test("message encodings round-trip")
    func messages() throws {
        let cases = try Self.load("messages", as: MessageCase.self)
        #expect(Set(cases.map(\.type)) == [
            "EnrollRequest", "EnrollResponse", "LeaseResponse", "PushRequest", "PushResponse", "PullRequest",
            "PullPage", "SyncRequest", "SyncResponse", "ProtocolError",
        ])
        for vector in cases {
            let data = try JSONEncoder().encode(vector.json)
            let reencoded: Data
            switch vector.type {
            case "EnrollRequest": reencoded = try roundTrip(EnrollRequest.self, data)
            case "EnrollResponse": reencoded = try roundTrip(EnrollResponse.self, data)
            case "LeaseResponse": reencoded = try roundTrip(LeaseResponse.self, data)
            case "PushRequest": reencoded = try roundTrip(PushRequest.self, data)
            case "PushResponse": reencoded = try roundTrip(PushResponse.self, data)
            case "PullRequest": reencoded = try roundTrip(PullRequest.self, data)
            case "PullPage": reencoded = try roundTrip(PullPage.self, data)
            case "SyncRequest": reencoded = try roundTrip(SyncRequest.self, data)
            case "SyncResponse": reencoded = try roundTrip(SyncResponse.self, data)
            case "ProtocolError": reencoded = try JSONEncoder().encode(try WireCoding.decodeBody(ProtocolError.self, from: data))
            default: Issue.record("unknown message type \(vector.type)"); continue
            }
            #expect(try JSONDecoder().decode(JSONValue.self, from: reencoded) == vector.json, "\(vector.name)")
        }
    }

    func roundTrip<Message: ProtocolMessage>(_ type: Message.Type, _ data: Data) throws -> Data {
        try WireCoding.encode(try WireCoding.decode(type, from: data))
    }
}
