import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Answers that do not come from the server that enrolled the terminal: a proxy, a captive portal or an
/// attacker on the path. None may make a terminal wipe itself, and none may receive its credential.
@Suite("Hostile answers: no spoofed wipe, no credential after a redirect")
struct HostileAnswerTests {
    static let alice = OfficerID("KH1001")

    /// A terminal enrolled with the real server, holding one unsynced record, and an engine that talks to
    /// `url` (the impostor) instead.
    private func terminalTalking(to url: String, fixture: SyncFixture, name: String = "a1") async throws -> (Terminal, SyncEngine, RecordID) {
        let terminal = try await fixture.terminal(name, station: SyncFixture.stationA)
        let record = try terminal.store.createPatrolSignIn(NewPatrolSignIn(
            officers: [Self.alice], checkpoint: "CP-UNSYNCED", unit: SyncFixture.stationA,
            signedAt: fixture.server.clock.now, method: .nfc), by: Self.alice)
        let engine = SyncEngine(store: terminal.store, transport: HTTPTransport(baseURL: URL(string: url)!, timeout: 10),
                                makeBatchID: { UUID().uuidString })
        return (terminal, engine, record.id)
    }

    /// A server on a real loopback port that answers every request with `status` and `body`, counting
    /// the requests that carried an Authorization header.
    private static func impostor(status: HTTPResponse.Status, body: String, headers: HTTPFields = [:],
                                 sawCredential: LockedValue<Int>? = nil) -> some ApplicationProtocol {
        let router = Router()
        let seen = sawCredential
        router.on("/**", method: .post) { request, _ in
            if request.headers[.authorization] != nil { seen?.update { $0 += 1 } }
            var fields = headers
            fields[.contentType] = "application/json"
            return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test("503 unavailable with wipe: true, and 401 revoked without or with a wrong proof, keep every record")
    func spoofedWipes() async throws {
        let wrongProof = DeviceCredential.revocationProof(replica: ReplicaID("t-00000000000000000000"), credentialHash: Array(repeating: 7, count: 32))
        let answers: [(String, HTTPResponse.Status, String)] = [
            ("503 wipe", .serviceUnavailable, #"{"error":{"code":"unavailable","message":"maintenance"},"wipe":true}"#),
            ("401 revoked, no proof", .unauthorized, #"{"error":{"code":"revoked","message":"revoked"},"wipe":true}"#),
            ("401 revoked, wrong proof", .unauthorized,
             #"{"error":{"code":"revoked","message":"revoked"},"wipe":true,"revocationProof":"\#(wrongProof)"}"#),
            ("200 with wipe", .ok, #"{"error":{"code":"revoked","message":"revoked"},"wipe":true}"#),
        ]
        for (name, status, body) in answers {
            let fixture = try await SyncFixture()
            try await Self.impostor(status: status, body: body).test(.live) { client in
                let (terminal, engine, id) = try await terminalTalking(to: "http://127.0.0.1:\(client.port!)", fixture: fixture)
                let error = await #expect(throws: ClientError.self, "\(name)") { try await engine.syncUntilCaughtUp() }
                #expect(error?.code != .revoked, "\(name): \(String(describing: error))")
                #expect(FileManager.default.fileExists(atPath: terminal.store.path), "\(name): the store file is still there")
                #expect(try terminal.store.record(id) != nil, "\(name): the unsynced record is kept")
                #expect(try terminal.store.pendingPushCount() == 1, "\(name): and still waits to be pushed")
                // Once the real server is reachable again, the record goes through.
                try await terminal.sync()
                #expect(try terminal.store.pendingPushCount() == 0, "\(name)")
            }
            try await fixture.tearDown()
        }
    }

    @Test("the real server's revocation carries a proof the terminal verifies, and only then wipes")
    func authenticatedRevocation() async throws {
        let fixture = try await SyncFixture()
        let terminal = try await fixture.terminal("a1", station: SyncFixture.stationA)
        let credential = try #require(try terminal.store.identity?.credential)
        _ = try await fixture.server.service.revoke(try terminal.store.identity!.replica, reason: "reported stolen")
        let reply = try await HTTPTestClient(baseURL: fixture.server.baseURL)
            .post("/v1/sync", SyncRequest(push: nil, pull: PullRequest(cursor: nil)), bearer: credential)
        #expect(reply.status == 401)
        #expect(reply.protocolError?.revocationProof?.isEmpty == false)
        let error = await #expect(throws: ClientError.self) { try await terminal.sync() }
        #expect(error?.code == .revoked)
        #expect(!FileManager.default.fileExists(atPath: terminal.store.path))
        try await fixture.tearDown()
    }

    @Test("a redirect to another origin is not followed: the credential never reaches it, and the error says why")
    func redirectsAreRefused() async throws {
        let fixture = try await SyncFixture()
        let reached = LockedValue(0)
        let catcher = Self.impostor(status: .ok, body: "{}", sawCredential: reached)
        try await catcher.test(.live) { catcherClient in
            let target = "http://127.0.0.1:\(catcherClient.port!)/v1/sync"
            for status in [HTTPResponse.Status.temporaryRedirect, .permanentRedirect, .found, .movedPermanently] {
                let redirector = Self.impostor(status: status, body: "{}", headers: [.location: target])
                try await redirector.test(.live) { client in
                    let (terminal, engine, id) = try await terminalTalking(to: "http://127.0.0.1:\(client.port!)", fixture: fixture,
                                                                           name: "r\(status.code)")
                    let error = await #expect(throws: ClientError.self) { try await engine.syncUntilCaughtUp() }
                    #expect(error?.code == .configuration, "\(status): \(String(describing: error))")
                    #expect(error?.message.contains("redirect") == true, "\(String(describing: error))")
                    #expect(try terminal.store.record(id) != nil)
                }
            }
        }
        #expect(reached.get() == 0, "the redirect target received the bearer credential")
        try await fixture.tearDown()
    }
}
