import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation
import Testing

/// SPEC §8.7 on the terminal: it learns the server's key at enrollment, keeps the latest signed audit head
/// it verifies, and refuses (with a kept warning, not a failed sync) one that is badly signed or goes back.
@Suite("Terminal keeps the server's signed audit checkpoints")
struct AuditCheckpointSyncTests {
    @Test("the checkpoint is verified and kept across syncs; the server's chain still covers the terminal's copy")
    func keptAcrossSyncs() async throws {
        let fixture = try await SyncFixture()
        let terminal = try await fixture.terminal("t1", station: SyncFixture.stationA)
        let signer = try #require(fixture.server.service.storage.auditSigner)
        #expect(try terminal.store.auditPublicKey == signer.publicKey)
        try Self.signIn(terminal, fixture, "CP-1")
        let first = try await terminal.sync()
        #expect(first.auditCheckpointProblem == nil)
        let kept = try #require(try terminal.store.auditCheckpoint)
        #expect(AuditSigner.verify(kept, publicKey: signer.publicKey))

        try Self.signIn(terminal, fixture, "CP-2")
        try await terminal.sync()
        let later = try #require(try terminal.store.auditCheckpoint)
        #expect(later.sequence > kept.sequence)
        #expect(try terminal.store.auditCheckpointWarning == nil)
        #expect(try await fixture.server.service.verifyAudit(knownCheckpoint: later).isIntact)
        try await fixture.tearDown()
    }

    @Test("a checkpoint that goes backwards, forks or is badly signed is refused and remembered; sync goes on")
    func refusedCheckpoints() async throws {
        let fixture = try await SyncFixture()
        let replay = CheckpointReplay(base: fixture.http)
        let terminal = try await fixture.terminal("t1", station: SyncFixture.stationA, transport: replay)
        try Self.signIn(terminal, fixture, "CP-1")
        try await terminal.sync()
        let kept = try #require(try terminal.store.auditCheckpoint)

        // A server (or someone in between) that hands out an older signed head: the chain lost entries.
        let signer = try TestStorage.testSigner()
        let older = try signer.sign(sequence: kept.sequence - 1, headHash: String(repeating: "a", count: 64), at: kept.at)
        replay.substitute(older)
        try Self.signIn(terminal, fixture, "CP-2")
        let report = try await terminal.sync()
        #expect(report.auditCheckpointProblem == .wentBackwards)
        #expect(report.accepted == 1, "the records sync all the same")
        #expect(try terminal.store.auditCheckpoint == kept)
        #expect(try terminal.store.auditCheckpointWarning?.problem == .wentBackwards)
        #expect(try terminal.store.auditCheckpointWarning?.checkpoint == older)

        let forked = try signer.sign(sequence: kept.sequence, headHash: String(repeating: "b", count: 64), at: kept.at)
        #expect(try terminal.store.keepAuditCheckpoint(forked) == .refused(.forked))
        let foreign = try TestStorage.testSigner(seed: 9).sign(sequence: kept.sequence + 100, headHash: kept.headHash, at: kept.at)
        #expect(try terminal.store.keepAuditCheckpoint(foreign) == .refused(.badSignature))
        var relabelled = foreign
        relabelled.keyID = signer.keyID
        #expect(try terminal.store.keepAuditCheckpoint(relabelled) == .refused(.badSignature))
        #expect(try terminal.store.keepAuditCheckpoint(kept) == .unchanged)
        #expect(try terminal.store.auditCheckpoint == kept)
        try await fixture.tearDown()
    }

    static func signIn(_ terminal: Terminal, _ fixture: SyncFixture, _ checkpoint: String) throws {
        let officer = OfficerID("KH1001")
        try terminal.store.createPatrolSignIn(NewPatrolSignIn(officers: [officer], checkpoint: checkpoint, unit: SyncFixture.stationA,
                                                              signedAt: fixture.server.clock.now, method: .qr), by: officer)
    }
}

/// Passes everything through, but swaps the pull page's checkpoint for a chosen one.
final class CheckpointReplay: SyncTransport {
    let base: any SyncTransport
    private let replacement = LockedValue<AuditCheckpoint?>(nil)

    init(base: any SyncTransport) { self.base = base }

    func substitute(_ checkpoint: AuditCheckpoint) { replacement.update { $0 = checkpoint } }

    func enroll(_ request: EnrollRequest) async throws(ClientError) -> EnrollResponse { try await base.enroll(request) }

    func sync(_ request: SyncRequest, credential: String) async throws(ClientError) -> SyncResponse {
        var response = try await base.sync(request, credential: credential)
        if let checkpoint = replacement.get(), response.pull?.auditCheckpoint != nil { response.pull?.auditCheckpoint = checkpoint }
        return response
    }

    func lease(_ request: LeaseRequest, credential: String) async throws(ClientError) -> LeaseResponse {
        try await base.lease(request, credential: credential)
    }
}
