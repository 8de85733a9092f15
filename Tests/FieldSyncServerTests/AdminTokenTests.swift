import FieldSyncCore
@testable import FieldSyncServer
import FieldSyncTesting
import Foundation
import Testing

/// Issue 14, item 3: no shipped file holds a usable secret, tokens are generated with 256 bits, the server
/// keeps only a verifier and refuses to start on any other form of it.
@Suite("Administrator token: generated, stored as a verifier, weak ones refused")
struct AdminTokenTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("a generated token has 256 random bits, matches its verifier and nothing else")
    func generated() {
        let one = AdminToken.generate(), two = AdminToken.generate()
        #expect(one.token != two.token)
        #expect(AdminToken.isWellFormed(one.token) && one.token.count == 5 + 43)
        #expect(AdminToken.matches(one.token, verifier: one.verifier))
        #expect(!AdminToken.matches(two.token, verifier: one.verifier))
        #expect(AdminToken.problem(withVerifier: one.verifier) == nil)
        // The verifier's hex compares without regard to case; a one-digit change never matches.
        let upper = "fsa1-sha256:" + one.verifier.dropFirst("fsa1-sha256:".count).uppercased()
        #expect(AdminToken.matches(one.token, verifier: upper))
        let last = one.verifier.last == "0" ? "1" : "0"
        #expect(!AdminToken.matches(one.token, verifier: String(one.verifier.dropLast()) + last))
    }

    @Test("a verifier of 64 non-ASCII hex digits (fullwidth) is refused, not silently unmatchable")
    func fullwidthVerifier() {
        #expect(AdminToken.problem(withVerifier: "fsa1-sha256:" + String(repeating: "\u{FF10}", count: 64)) != nil)
    }

    @Test("a chosen password never authenticates, even configured in verifier form")
    func weakTokens() {
        for weak in ["test", "", "admin", "fsa1_short", "fsa1_" + String(repeating: "a", count: 42) + "!"] {
            #expect(!AdminToken.matches(weak, verifier: AdminToken.verifier(of: weak)), "\(weak)")
        }
    }

    @Test("the server refuses to start on the bare SHA-256 of a token (the old example's `test`) or any other form",
          arguments: ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "fsa1-sha256:abc", "test", ""])
    func refusedAtStart(_ hash: String) async throws {
        await #expect(throws: ServerConfigError.self) {
            _ = try await ServerConfig.load(path: nil, environment: ["FIELDSYNC_ADMIN_TOKEN_HASH": hash])
        }
    }

    @Test("a real server process with the old example's hash exits before listening, saying what to do")
    func processRefuses() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-admin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let server = try await ServerProcess.start(environment: [
                "FIELDSYNC_STORAGE_PATH": directory.appendingPathComponent("s.sqlite").path,
                "FIELDSYNC_ADMIN_TOKEN_HASH": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            ])
            server.stop()
            Issue.record("the server started with the hash of 'test'")
        } catch let failure as ServerProcess.Failure {
            #expect(failure.description.contains("fieldsync admin token"), "\(failure)")
        }
    }

    @Test("no shipped configuration holds a token or a verifier")
    func shippedFiles() throws {
        for folder in ["ServerConfig", "ClientConfig"] {
            let directory = Self.repository.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
                let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                #expect(!text.contains("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"), "\(folder)/\(name)")
                #expect(text.firstMatch(of: /fsa1-sha256:[0-9a-fA-F]{64}/) == nil, "\(folder)/\(name) holds a verifier")
                #expect(text.firstMatch(of: /fsa1_[A-Za-z0-9_-]{43}/) == nil, "\(folder)/\(name) holds a token")
                if name.hasSuffix(".json") {
                    let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                    #expect((object?["admin"] as? [String: Any])?["tokenHash"] == nil, "\(folder)/\(name) sets admin.tokenHash")
                }
            }
        }
    }
}
