import FieldSyncClient
import FieldSyncCore
import FieldSyncStore
import Foundation
import Testing

/// A real `fieldsync daemon` and the officers' sessions (issue 14.6): the daemon holds no key of its own.
/// Part of the serialized real-process suite: one set of server and daemon processes at a time.
extension ProcessFaultTests {
    @Test("a daemon started before any officer waits locked, syncs once the first officer creates the store and signs in, and forgets the key at sign-out")
    func daemonFollowsTheSession() async throws {
        let scratch = try Scratch()
        let (server, admin) = try await scratch.startServer(database: scratch.path + "/server.sqlite")
        defer { server.stop() }
        let token = try await admin.service.createEnrollmentToken(station: ProcessFaultTests.station).token
        let config = scratch.path + "/daemon.json"
        let storePath = scratch.path + "/terminal/terminal.sqlite"
        let sessions = scratch.path + "/run"
        let statusFile = scratch.path + "/status.json"
        let settings: [String: Any] = [
            "serverURL": server.baseURL, "storePath": storePath, "sessionDirectory": sessions,
            "scryptRounds": KeyDerivationCost.fast.rounds, "deviceName": "counter", "enrollmentToken": token,
            "statusFile": statusFile, "syncIntervalSeconds": 3_600, "logLevel": "warning",
        ]
        try JSONSerialization.data(withJSONObject: settings).write(to: URL(fileURLWithPath: config))
        func state() -> SyncStatus? { try? SyncStatus.read(from: statusFile) }

        let daemon = try DaemonProcess(config: config)
        try await waitUntil("the daemon to say it is locked (output: \(daemon.text))") { state()?.state == .locked }
        #expect(daemon.process.isRunning, "a daemon with no store and nobody signed in must wait, not exit")

        let keys = StoreKeys(sessionDirectory: sessions, cost: .fast)
        let officer = OfficerID("KH1001")
        try TerminalStore(path: storePath, access: .create(officer: officer, passphrase: "pin"), keys: keys).close()
        try await waitUntil("the daemon to enroll and sync (output: \(daemon.text))") {
            state()?.state == .idle && state()?.lastSuccessAt != nil
        }
        // Another process of the terminal writes in the officer's session; the daemon pushes it.
        let app = try TerminalStore(path: storePath, access: .session, keys: keys)
        let record = try app.createPatrolSignIn(NewPatrolSignIn(
            officers: [officer], checkpoint: "CP-1", unit: ProcessFaultTests.station,
            signedAt: WallClock.milliseconds(Date()), method: .qr), by: officer)
        try await waitUntil("the daemon to push the write (output: \(daemon.text))") { try app.pendingPushCount() == 0 }
        #expect(try admin.recordIDs(upTo: .max) == [record.id.rawValue])

        try app.signOut()
        try await waitUntil("the daemon to lock after the sign-out (output: \(daemon.text))") { state()?.state == .locked }
        #expect(daemon.terminate() == 0, "\(daemon.text)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sessions).isEmpty)
    }
}
