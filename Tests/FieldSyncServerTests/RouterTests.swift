import CompressNIO
import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("HTTP handlers (Hummingbird test client)")
struct RouterTests {
    static func app(_ harness: Harness, maxBodyBytes: Int = 16 * 1024 * 1024) throws -> some ApplicationProtocol {
        var config = ServerConfig()
        config.maxBodyBytes = maxBodyBytes
        return try buildApplication(service: harness.service, config: config)
    }

    static func headers(_ credential: String?, _ extra: HTTPFields = [:]) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let credential { fields[.authorization] = "Bearer " + credential }
        fields.append(contentsOf: extra)
        return fields
    }

    static func error(_ response: TestResponse) -> ProtocolError? {
        try? JSONDecoder().decode(ProtocolError.self, from: Data(buffer: response.body))
    }

    @Test("malformed, truncated, oversized, wrong-version and wrong-type bodies get clear 4xx answers and change nothing")
    func badBodies() async throws {
        let harness = try await Harness()
        let (_, credential, factory) = try await harness.enroll(Harness.stationA)
        let valid = try JSONEncoder().encode(PushRequest(batchID: "b1", records: [try factory.patrolSignIn("p1")]))
        var wrongVersion = try JSONSerialization.jsonObject(with: valid) as! [String: Any]
        wrongVersion["protocolVersion"] = 2
        var wrongType = try JSONSerialization.jsonObject(with: valid) as! [String: Any]
        wrongType["records"] = "p1"
        let cases: [(String, ByteBuffer, HTTPFields, HTTPResponse.Status, ProtocolError.Code)] = [
            ("not JSON", ByteBuffer(string: "hello"), [:], .badRequest, .malformedRequest),
            ("truncated", ByteBuffer(bytes: valid.prefix(valid.count / 2)), [:], .badRequest, .malformedRequest),
            ("oversized", ByteBuffer(repeating: 0x20, count: 9_000), [:], .contentTooLarge, .payloadTooLarge),
            ("wrong version", ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: wrongVersion)), [:], .badRequest, .unsupportedProtocolVersion),
            ("wrong type", ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: wrongType)), [:], .badRequest, .malformedRequest),
            ("empty", ByteBuffer(), [:], .badRequest, .malformedRequest),
            ("corrupt gzip", ByteBuffer(string: "not gzip at all"), [.contentEncoding: "gzip"], .badRequest, .malformedRequest),
            ("unknown encoding", ByteBuffer(bytes: valid), [.contentEncoding: "br"], .badRequest, .malformedRequest),
            ("wrong content type", ByteBuffer(bytes: valid), [.contentType: "text/plain"], .badRequest, .malformedRequest),
        ]
        try await Self.app(harness, maxBodyBytes: 8_192).test(.router) { client in
            for (name, body, extra, status, code) in cases {
                var headers = Self.headers(credential)
                for field in extra { headers[field.name] = field.value }
                let response = try await client.execute(uri: "/v1/push", method: .post, headers: headers, body: body)
                #expect(response.status == status, "\(name)")
                #expect(Self.error(response)?.code == code, "\(name): \(String(buffer: response.body))")
                #expect(response.headers[.contentType] == "application/json", "\(name)")
            }
            // A gzip bomb: small on the wire, too large once inflated.
            var inflated = ByteBuffer(repeating: 0x20, count: 100_000)
            let bomb = try inflated.compress(with: .gzip())
            let response = try await client.execute(uri: "/v1/push", method: .post,
                                                     headers: Self.headers(credential, [.contentEncoding: "gzip"]), body: bomb)
            #expect(response.status == .contentTooLarge)
        }
        #expect(try harness.count("records") == 0)
        #expect(try harness.count("quarantine") == 0)
        #expect(try harness.count("batches") == 0)
    }

    @Test("gzip request bodies are accepted and large answers are gzipped when asked")
    func gzip() async throws {
        let harness = try await Harness()
        let (_, credential, factory) = try await harness.enroll(Harness.stationA)
        var body = ByteBuffer(bytes: try JSONEncoder().encode(PushRequest(batchID: "b1", records: try (0..<20).map { try factory.patrolSignIn("p\($0)") })))
        let compressed = try body.compress(with: .gzip())
        try await Self.app(harness).test(.router) { client in
            let push = try await client.execute(uri: "/v1/push", method: .post,
                                                headers: Self.headers(credential, [.contentEncoding: "gzip"]), body: compressed)
            #expect(push.status == .ok)
            let answer = try JSONDecoder().decode(PushResponse.self, from: Data(buffer: push.body))
            #expect(answer.results.count == 20 && answer.results.allSatisfy { $0.sequence != nil })
            let pull = try await client.execute(uri: "/v1/pull", method: .post, headers: Self.headers(credential, [.acceptEncoding: "gzip"]),
                                                body: ByteBuffer(bytes: try JSONEncoder().encode(PullRequest(cursor: nil))))
            #expect(pull.headers[.contentEncoding] == "gzip")
            var zipped = pull.body
            let plain = try zipped.decompress(with: .gzip())
            let page = try JSONDecoder().decode(PullPage.self, from: Data(buffer: plain))
            #expect(page.records.count == 20 && page.cursor == "20" && !page.hasMore)
        }
    }

    @Test("authentication: missing, wrong and revoked credentials; admin token separate from device credentials")
    func authentication() async throws {
        let harness = try await Harness()
        let (device, credential, _) = try await harness.enroll(Harness.stationA)
        let pull = ByteBuffer(bytes: try JSONEncoder().encode(PullRequest(cursor: nil)))
        try await Self.app(harness).test(.router) { client in
            for bearer in [nil, "garbage", credential + "x"] {
                let response = try await client.execute(uri: "/v1/pull", method: .post, headers: Self.headers(bearer), body: pull)
                #expect(response.status == .unauthorized && Self.error(response)?.code == .unauthenticated)
            }
            let devices = try await client.execute(uri: "/v1/admin/devices", method: .get, headers: Self.headers(credential))
            #expect(devices.status == .unauthorized)
            let admin = Self.headers(TestServer.adminToken)
            let listed = try await client.execute(uri: "/v1/admin/devices", method: .get, headers: admin)
            #expect(try JSONDecoder().decode([Device].self, from: Data(buffer: listed.body)).map(\.replica) == [device.replica])
            let revoke = try await client.execute(uri: "/v1/admin/devices/\(device.replica.rawValue)/revoke", method: .post,
                                                  headers: admin, body: ByteBuffer(string: #"{"reason":"stolen"}"#))
            #expect(revoke.status == .ok)
            let after = try await client.execute(uri: "/v1/pull", method: .post, headers: Self.headers(credential), body: pull)
            #expect(after.status == .unauthorized)
            #expect(Self.error(after)?.code == .revoked && Self.error(after)?.wipe == true)
            let unknown = try await client.execute(uri: "/v1/nothing", method: .get)
            #expect(unknown.status == .notFound && Self.error(unknown)?.code == .notFound)
        }
    }

    @Test("admin endpoints are forbidden when no admin token hash is configured")
    func adminDisabled() async throws {
        let harness = try await Harness { $0.adminTokenHash = nil }
        try await Self.app(harness).test(.router) { client in
            let response = try await client.execute(uri: "/v1/admin/devices", method: .get, headers: Self.headers(TestServer.adminToken))
            #expect(response.status == .forbidden && Self.error(response)?.code == .forbidden)
        }
    }

    @Test("the rate limit answers 429 with Retry-After")
    func rateLimit() async throws {
        let harness = try await Harness { $0.rateLimit = RateLimiter.Policy(requestsPerSecond: 1, burst: 2) }
        let (_, credential, _) = try await harness.enroll(Harness.stationA)
        let pull = ByteBuffer(bytes: try JSONEncoder().encode(PullRequest(cursor: nil)))
        try await Self.app(harness).test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            var retry: String?
            for _ in 0..<3 {
                let response = try await client.execute(uri: "/v1/pull", method: .post, headers: Self.headers(credential), body: pull)
                statuses.append(response.status)
                retry = response.headers[.retryAfter] ?? retry
            }
            #expect(statuses == [.ok, .tooManyRequests, .tooManyRequests])
            #expect(retry == "1")
            harness.clock.advance(milliseconds: 1_000)
            let later = try await client.execute(uri: "/v1/pull", method: .post, headers: Self.headers(credential), body: pull)
            #expect(later.status == .ok)
        }
    }
}
