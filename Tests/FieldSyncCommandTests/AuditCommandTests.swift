@testable import fieldsync
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation
import Testing

/// `fieldsync audit checkpoint|verify --checkpoint` and `history --reason` as an administrator runs them.
@Suite struct AuditCommandTests {
    @Test func exportAKeptCheckpointAndVerifyTheServerAgainstIt() async throws {
        let cli = TerminalCommandTests()
        let server = try await TestServer.start(clock: TestClock(WallClock.milliseconds(Date())))
        let (directory, pin) = try TerminalCommandTests.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try await cli.configure(server, directory, name: "t1")
        let admin = ["--server", server.baseURL, "--admin-token", TestServer.adminToken, "--json"]
        #expect(await cli.status(["officer", "add", "--first", "--officer", "KH1001", "--config", config, "--pin-file", pin]) == 0)
        #expect(await cli.status(["audit", "checkpoint", "--terminal-config", config]) == CLIFailure.notFound, "nothing kept before a sync")
        #expect(await cli.status(["sync", "--config", config, "--json"]) == 0)
        #expect(await cli.status(["record", "add", "patrolSignIn", "--config", config, "--json", "--set", "method=qr",
                                  "--set", "checkpoint=CP-1"]) == 0)
        #expect(await cli.status(["sync", "--config", config, "--json"]) == 0)
        #expect(await cli.status(["audit", "checkpoint", "--terminal-config", config]) == 0)
        #expect(await cli.status(["audit", "checkpoint"] + admin) == 0)

        // The terminal's copy, as `audit checkpoint --terminal-config` exports it, holds the server to its chain.
        let store = try TerminalStore(path: directory.appendingPathComponent("t1.sqlite").path,
                                      access: .signIn(officer: OfficerID("KH1001"), passphrase: "2468-KH"), keys: StoreKeys(cost: .fast))
        let kept = try #require(try store.auditCheckpoint)
        let file = directory.appendingPathComponent("kept.json")
        try JSONEncoder().encode(AuditCheckpointExport(checkpoint: kept, publicKey: try store.auditPublicKey)).write(to: file)
        #expect(await cli.status(["audit", "verify", "--checkpoint", file.path] + admin) == 0)

        // A signed head beyond the server's chain: as if the chain's tail had been cut since.
        let ahead = try TestStorage.testSigner().sign(sequence: kept.sequence + 5, headHash: kept.headHash, at: kept.at)
        try JSONEncoder().encode(ahead).write(to: file)
        #expect(await cli.status(["audit", "verify", "--checkpoint", file.path] + admin) == CLIFailure.failure)
        #expect(await cli.status(["audit", "verify", "--checkpoint", directory.appendingPathComponent("none.json").path] + admin)
            == CLIFailure.usage)

        let id = try #require(try store.records().first?.id.rawValue)
        #expect(await cli.status(["history", id] + admin) != 0, "a history read states its reason")
        #expect(await cli.status(["history", id, "--reason", "complaint 2026-117"] + admin) == 0)
        try await server.stop()
    }
}
