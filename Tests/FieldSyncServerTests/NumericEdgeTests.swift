import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Every integer a request carries (cursors, limits, versions, counters, stamps, lifetimes, values),
/// replaced by each edge value in turn, on every endpoint, through the HTTP handlers: each answer is a
/// success or a typed 4xx, never a trap (which would end this test process) nor a 5xx, and the server
/// still serves afterwards. Issue 14 found a pull cursor of 2^63 killing the server.
@Suite("Numeric edge values on every endpoint: typed answers, no trap")
struct NumericEdgeTests {
    /// JSON texts put where a number (or, for cursors, a decimal string) belongs.
    static let edges = ["0", "-1", "1", "9007199254740992", "9007199254740993", "9223372036854775807",
                        "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
                        "18446744073709551616", String(repeating: "9", count: 400), "1.5", "1e308", "-0", "4294967296"]

    @Test("SQLite") func sqlite() async throws { try await run(.sqlite) }

    @Test("PostgreSQL", .enabled(if: TestPostgres.isEnabled, "set FIELDSYNC_TEST_POSTGRES_URL (.ci/postgres start)"))
    func postgres() async throws { try await run(.postgres) }

    /// A request template: JSON with one value replaced by `§` (the edge), and who sends it.
    struct Template {
        var name: String
        var method: HTTPRequest.Method = .post
        var path: String
        var json: String
        var admin = false
    }

    private func run(_ backend: TestBackend) async throws {
        let harness = try await Harness(backend: backend)
        do {
            try await fuzz(harness)
        } catch {
            await harness.dispose()
            throw error
        }
        await harness.dispose()
    }

    private func fuzz(_ harness: Harness) async throws {
        let (_, credential, factory) = try await harness.enroll(Harness.stationA)
        let report = try factory.incidentReport("edge-case")
        #expect(try await harness.push([report], from: try await harness.service.authenticate(credential: credential))[0].sequence != nil)
        let templates = try Self.templates(factory: factory, stored: report)
        let answered = LockedValue(0)
        try await RouterTests.app(harness).test(.router) { client in
            for template in templates {
                for edge in Self.edges {
                    for form in [edge, "\"\(edge)\""] {
                        let body = template.json.replacingOccurrences(of: "\"§\"", with: form)
                        let response = try await client.execute(
                            uri: template.path.replacingOccurrences(of: "§", with: edge), method: template.method,
                            headers: RouterTests.headers(template.admin ? TestServer.adminToken : credential),
                            body: ByteBuffer(string: body))
                        answered.update { $0 += 1 }
                        let status = response.status.code
                        if status != 200 && status != 201 {
                            #expect((400..<500).contains(status), "\(template.name) = \(form): HTTP \(status) \(String(buffer: response.body).prefix(200))")
                            #expect(RouterTests.error(response) != nil, "\(template.name) = \(form): untyped \(String(buffer: response.body).prefix(200))")
                        }
                    }
                }
            }
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
        }
        #expect(answered.get() == templates.count * Self.edges.count * 2)
        // A well-formed pull still sees the stored case.
        let device = try await harness.service.authenticate(credential: credential)
        #expect(try await harness.pullAll(device).contains { $0.id == report.id })
    }

    /// One template per integer of every request shape.
    static func templates(factory: RecordFactory, stored: RecordState) throws -> [Template] {
        var result: [Template] = []
        for field in ["cursor", "limit", "protocolVersion"] {
            var pull: [String: Any] = ["protocolVersion": 1, "cursor": "0", "limit": 100]
            pull[field] = "§"
            result.append(Template(name: "pull.\(field)", path: "/v1/pull", json: try text(pull)))
            let sync: [String: Any] = ["protocolVersion": 1, "pull": pull]
            result.append(Template(name: "sync.pull.\(field)", path: "/v1/sync", json: try text(sync)))
        }
        result.append(Template(name: "sync.protocolVersion", path: "/v1/sync",
                               json: #"{"protocolVersion":"§","pull":{"protocolVersion":1,"cursor":"0","limit":10}}"#))
        result.append(Template(name: "lease.protocolVersion", path: "/v1/lease", json: #"{"protocolVersion":"§"}"#))
        result.append(Template(name: "enroll.protocolVersion", path: "/v1/enroll", json: #"{"protocolVersion":"§","token":"x","deviceName":"d"}"#))
        result.append(Template(name: "admin.lifetimeSeconds", path: "/v1/admin/enrollment-tokens",
                               json: #"{"station":"KH.P03.S012","lifetimeSeconds":"§"}"#, admin: true))
        result.append(Template(name: "admin.resolve.value", path: "/v1/admin/records/edge-case/resolve",
                               json: #"{"field":"receivedAt","value":"§","officer":"KH9001","reason":"edge"}"#, admin: true))
        result.append(Template(name: "admin.history query", method: .get, path: "/v1/admin/records/§/history?reason=edge",
                               json: "", admin: true))
        // Every number inside a pushed state: vector and dot counters, stamps, schema version, an integer value.
        let fresh = try factory.incidentReport("edge-new")
        let edit = try factory.apply([.set("severity", "major")], to: stored)
        for (label, state) in [("new", fresh), ("edit", edit)] {
            let record = try JSONSerialization.jsonObject(with: RecordStateJSON.encode(state)) as! [String: Any]
            for (path, replaced) in numericPaths(in: record) {
                let push: [String: Any] = ["protocolVersion": 1, "batchID": "edge-\(label)-\(path)", "records": [replaced]]
                result.append(Template(name: "push.\(label).\(path)", path: "/v1/push", json: try text(push)))
                let sync: [String: Any] = ["protocolVersion": 1, "push": push]
                result.append(Template(name: "sync.push.\(label).\(path)", path: "/v1/sync", json: try text(sync)))
            }
        }
        return result
    }

    /// Each number of `value` replaced by the marker, with the path that names it.
    static func numericPaths(in value: Any, path: String = "") -> [(String, Any)] {
        switch value {
        case let object as [String: Any]:
            return object.keys.sorted().flatMap { key in
                numericPaths(in: object[key]!, path: path + "." + key).map { sub, replaced in
                    var copy = object
                    copy[key] = replaced
                    return (sub, copy as Any)
                }
            }
        case let array as [Any]:
            return array.indices.flatMap { index in
                numericPaths(in: array[index], path: path + "[\(index)]").map { sub, replaced in
                    var copy = array
                    copy[index] = replaced
                    return (sub, copy as Any)
                }
            }
        case _ where type(of: value) == Bool.self:
            return []
        case is NSNumber, is Int, is Int64, is UInt64, is Double:
            return [(path, "§")]
        default:
            return []
        }
    }

    static func text(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}
