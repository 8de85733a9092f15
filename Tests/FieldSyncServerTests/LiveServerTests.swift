import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Live server on a real port")
struct LiveServerTests {
    @Test("enroll through the admin API, push, pull, sync, lease, revoke: all over loopback HTTP")
    func fullRound() async throws {
        let server = try await TestServer.start()
        do {
            let http = HTTPTestClient(baseURL: server.baseURL)
            let health = try await http.send("GET", "/health")
            #expect(health.status == 200)

            let issued = try await http.send("POST", "/v1/admin/enrollment-tokens",
                                             body: Data(#"{"station":"KH.P03.S012"}"#.utf8), bearer: TestServer.adminToken)
            #expect(issued.status == 201)
            let token = try issued.decode(IssuedEnrollmentToken.self).token
            let enrolled = try await http.post("/v1/enroll", EnrollRequest(token: token, deviceName: "KH-T-0001"))
            #expect(enrolled.status == 200)
            let identity = try enrolled.decode(EnrollResponse.self)
            let again = try await http.post("/v1/enroll", EnrollRequest(token: token, deviceName: "copy"))
            #expect(again.status == 403 && again.protocolError?.code == .invalidToken)

            let factory = RecordFactory(enrolled: identity, now: server.clock.now)
            let records = try (0..<10).map { try factory.patrolSignIn("p\($0)") }
            let pushed = try await http.post("/v1/push", PushRequest(batchID: "b1", records: records), bearer: identity.credential)
            #expect(pushed.status == 200)
            #expect(try pushed.decode(PushResponse.self).results.allSatisfy { $0.sequence != nil })

            let pulled = try await http.post("/v1/pull", PullRequest(cursor: nil, limit: 4), bearer: identity.credential)
            let page = try pulled.decode(PullPage.self)
            #expect(page.records == Array(records.prefix(4)) && page.hasMore)

            let report = try factory.incidentReport("i1")
            let round = try await http.post("/v1/sync", SyncRequest(push: PushRequest(batchID: "b2", records: [report]),
                                                                  pull: PullRequest(cursor: page.cursor)), bearer: identity.credential)
            let sync = try round.decode(SyncResponse.self)
            #expect(sync.push?.results.first?.sequence != nil)
            #expect(sync.pull?.records == Array(records.dropFirst(4)) + [report])

            let lease = try await http.post("/v1/lease", LeaseRequest(), bearer: identity.credential)
            #expect(try lease.decode(LeaseResponse.self).lease.first == identity.lease.last + 1)

            let read = try await http.send("GET", "/v1/admin/records/i1?reason=complaint", bearer: TestServer.adminToken)
            #expect(try read.decode(ServerRecord.self).state == report)
            let verify = try await http.send("GET", "/v1/admin/audit/verify", bearer: TestServer.adminToken)
            #expect(try verify.decode(AuditVerification.self).isIntact)

            let revoked = try await http.send("POST", "/v1/admin/devices/\(identity.replica.rawValue)/revoke",
                                              body: Data("{}".utf8), bearer: TestServer.adminToken)
            #expect(revoked.status == 200)
            let refused = try await http.post("/v1/pull", PullRequest(cursor: nil), bearer: identity.credential)
            #expect(refused.status == 401 && refused.protocolError?.code == .revoked && refused.protocolError?.wipe == true)

            let metrics = try await http.send("GET", "/metrics")
            let text = String(decoding: metrics.body, as: UTF8.self)
            #expect(text.contains("fieldsync_records_accepted_total 11"))
            #expect(text.contains("fieldsync_request_duration_seconds"))
            #expect(text.contains("fieldsync_active_terminals"))
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test("Hummingbird's live test framework: a bad body over a real socket is a typed 400")
    func liveFramework() async throws {
        let harness = try await Harness()
        let (_, credential, _) = try await harness.enroll(Harness.stationA)
        var config = ServerConfig()
        config.port = 0
        try await buildApplication(service: harness.service, config: config).test(.live) { client in
            let response = try await client.execute(uri: "/v1/push", method: .post,
                                                     headers: [.authorization: "Bearer " + credential, .contentType: "application/json"],
                                                     body: ByteBuffer(string: "{\"protocolVersion\":1,\"batchID\":"))
            #expect(response.status == .badRequest)
            let error = try JSONDecoder().decode(ProtocolError.self, from: Data(buffer: response.body))
            #expect(error.code == .malformedRequest)
        }
    }
}
