import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import Testing

/// An operator with write access to the database, but not the signing key, rewrites what the server holds.
/// Each test tampers the way such an intruder would, on both backends, and proves that `audit verify`
/// names what was touched (RELIABILITY.md, "Security: audit").
@Suite("Audit: tampering by someone with database access")
struct AuditTamperTests {
    static let postgres = TestPostgres.isEnabled

    @Test("deleting the chain's last 1 or 5 entries is named: by the stored checkpoints, and by a known one when those went too",
          arguments: [TestBackend.sqlite, .postgres], [1, 5])
    func tailDeletion(backend: TestBackend, count: Int) async throws {
        guard backend == .sqlite || Self.postgres else { return }
        let world = try await World(backend)
        defer { Task { await world.harness.dispose() } }
        let known = try #require(try await world.harness.service.latestAuditCheckpoint().checkpoint)
        let head = known.sequence
        #expect(try await world.harness.service.verifyAudit(knownCheckpoint: known).isIntact)

        // The entries only: the stored checkpoints still name the old head.
        try await world.harness.tamper("DELETE FROM audit WHERE seq > \(head - UInt64(count))")
        let cut = try await world.harness.service.verifyAudit()
        #expect(cut.problem == .truncated, "\(cut)")
        #expect(cut.firstBadSequence == head - UInt64(count) + 1)

        // The checkpoints too: only a checkpoint kept outside the database can tell.
        try await world.harness.tamper("DELETE FROM audit_checkpoints WHERE seq > \(head - UInt64(count))")
        let against = try await world.harness.service.verifyAudit(knownCheckpoint: known)
        #expect(against.problem == .truncated, "\(against)")
        #expect(against.firstBadSequence == head - UInt64(count) + 1)
    }

    @Test("a deleted history row is named, with its record", arguments: [TestBackend.sqlite, .postgres])
    func historyRowDeleted(backend: TestBackend) async throws {
        guard backend == .sqlite || Self.postgres else { return }
        let world = try await World(backend)
        defer { Task { await world.harness.dispose() } }
        try await world.harness.tamper("DELETE FROM history WHERE seq = \(world.firstChangeOfI1)")
        let verification = try await world.harness.service.verifyAudit()
        #expect(verification.problem == .historyMissing, "\(verification)")
        #expect(verification.record == "i1" && verification.historySequence == world.firstChangeOfI1)
    }

    @Test("a rewritten history row is named, with its record", arguments: [TestBackend.sqlite, .postgres])
    func historyRowRewritten(backend: TestBackend) async throws {
        guard backend == .sqlite || Self.postgres else { return }
        let world = try await World(backend)
        defer { Task { await world.harness.dispose() } }
        try await world.harness.tamper(world.replace(in: "history", column: "delta", where: "seq = \(world.firstChangeOfI1)"))
        let verification = try await world.harness.service.verifyAudit()
        #expect(verification.problem == .historyAltered, "\(verification)")
        #expect(verification.record == "i1")
    }

    @Test("a rewritten records.state is named by record id, and so is one rewritten together with its history state",
          arguments: [TestBackend.sqlite, .postgres])
    func recordStateRewritten(backend: TestBackend) async throws {
        guard backend == .sqlite || Self.postgres else { return }
        let world = try await World(backend)
        defer { Task { await world.harness.dispose() } }
        try await world.harness.tamper(world.replace(in: "records", column: "state", where: "id = 'i2'"))
        // The forged value is what the server serves: only the verifier can tell.
        let served = try await world.harness.pullAll(world.device).first { $0.id == RecordID("i2") }
        #expect(served?.entries("severity").first?.value == "major")
        let verification = try await world.harness.service.verifyAudit()
        #expect(verification.problem == .stateMismatch, "\(verification)")
        #expect(verification.record == "i2")

        // Rewriting the history state as well, consistently: its audit entry chained the original digest.
        try await world.harness.tamper(world.replace(in: "history", column: "delta", where: "record_id = 'i2'"))
        let deeper = try await world.harness.service.verifyAudit()
        #expect(deeper.problem == .historyAltered, "\(deeper)")
        #expect(deeper.record == "i2")
    }

    @Test("a deleted or postponed row of the open-deadline index (hiding an overdue case from supervisors) is named, with its record",
          arguments: [TestBackend.sqlite, .postgres], ["DELETE FROM open_deadlines WHERE record_id = 'i1' AND deadline = 'majorCaseNotified'",
                                                       "UPDATE open_deadlines SET due_at = due_at + 604800000 WHERE record_id = 'i1' AND deadline = 'majorCaseNotified'"])
    func deadlineIndexTampered(backend: TestBackend, tampering: String) async throws {
        guard backend == .sqlite || Self.postgres else { return }
        let world = try await World(backend)
        defer { Task { await world.harness.dispose() } }
        world.harness.clock.advance(milliseconds: 2 * Deadline.hour)
        #expect(try await world.harness.service.overdueCases(unit: Harness.stationA).deadlines.map(\.record) == [RecordID("i1")])
        try await world.harness.tamper(tampering)
        // What the intruder wanted: the case is no longer listed as overdue.
        #expect(try await world.harness.service.overdueCases(unit: Harness.stationA).deadlines.isEmpty)
        let verification = try await world.harness.service.verifyAudit()
        #expect(verification.problem == .deadlinesAltered, "\(verification)")
        #expect(verification.record == "i1")
    }

    @Test("a chain rewritten and recomputed without the key is found by the signatures", arguments: [TestBackend.sqlite, .postgres])
    func recomputedChain(backend: TestBackend) async throws {
        guard backend == .sqlite || Self.postgres else { return }
        let world = try await World(backend)
        defer { Task { await world.harness.dispose() } }
        let known = try #require(try await world.harness.service.latestAuditCheckpoint().checkpoint)
        // Rewrite who made the change of entry 3, and recompute every hash from there on: the chain is consistent.
        try await world.recompute(from: 3) { $0.sequence == 3 ? AuditDraft(kind: $0.draft.kind, at: $0.draft.at, actor: "KH9999",
                                                                            replica: $0.draft.replica, subject: $0.draft.subject,
                                                                            detail: $0.draft.detail) : $0.draft }
        let stored = try await world.harness.service.verifyAudit()
        #expect(stored.problem == .checkpointMismatch, "\(stored)")
        // The first signed head at or after the rewritten entry is where it shows.
        let firstSigned = try await world.harness.storage.checkpoints(after: 2, limit: 1).first?.sequence
        #expect(stored.firstBadSequence == firstSigned)

        // Without the stored checkpoints the head is unsigned; against a known checkpoint the rewrite shows.
        try await world.harness.tamper("DELETE FROM audit_checkpoints")
        #expect(try await world.harness.service.verifyAudit().problem == .unsigned)
        let against = try await world.harness.service.verifyAudit(knownCheckpoint: known)
        #expect(against.problem == .checkpointMismatch && against.firstBadSequence == known.sequence, "\(against)")

        // A checkpoint signed with another key does not pass for the server's.
        let forger = try TestStorage.testSigner(seed: 9)
        let entries = try await world.harness.storage.auditEntries(after: 0, limit: 1_000)
        let forged = try forger.sign(sequence: entries.last!.sequence, headHash: entries.last!.hash, at: 1)
        try await world.harness.tamper("""
            INSERT INTO audit_checkpoints (seq, head_hash, at, key_id, signature)
            VALUES (\(forged.sequence), '\(forged.headHash)', 1, '\(try TestStorage.testSigner().keyID)', '\(forged.signature)')
            """)
        #expect(try await world.harness.service.verifyAudit().problem == .badSignature)
    }

    @Test("a deleted records row, a rewritten quarantine row and a deleted one are named, with their record",
          arguments: [TestBackend.sqlite, .postgres])
    func recordAndQuarantineRows(backend: TestBackend) async throws {
        guard backend == .sqlite || Self.postgres else { return }
        let world = try await World(backend)
        defer { Task { await world.harness.dispose() } }
        try await world.harness.tamper(world.replace(in: "quarantine", column: "state", where: "record_id = 'x1'"))
        let rewritten = try await world.harness.service.verifyAudit()
        #expect(rewritten.problem == .quarantineAltered && rewritten.record == "x1", "\(rewritten)")
        try await world.harness.tamper("DELETE FROM quarantine WHERE record_id = 'x1'")
        let gone = try await world.harness.service.verifyAudit()
        #expect(gone.problem == .quarantineMissing && gone.record == "x1", "\(gone)")

        let other = try await World(backend)
        defer { Task { await other.harness.dispose() } }
        try await other.harness.tamper("DELETE FROM records WHERE id = 'i3'")
        let missing = try await other.harness.service.verifyAudit()
        #expect(missing.problem == .recordMissing && missing.record == "i3", "\(missing)")
    }

    @Test("a chain rewritten under the running server is not signed by its next push: the node stops signing and says why",
          arguments: [TestBackend.sqlite, .postgres])
    func noBlessingOfARewrite(backend: TestBackend) async throws {
        guard backend == .sqlite || Self.postgres else { return }
        let world = try await World(backend)
        defer { Task { await world.harness.dispose() } }
        #expect(world.harness.storage.auditSigningRefusal == nil)
        try await world.recompute(from: 3) { AuditDraft(kind: $0.draft.kind, at: $0.draft.at, actor: "KH9999", replica: $0.draft.replica,
                                                        subject: $0.draft.subject, detail: $0.draft.detail) }
        try await world.harness.tamper("DELETE FROM audit_checkpoints")
        let results = try await world.harness.push([try world.factory.patrolSignIn("p2")], from: world.device)
        #expect(results.first?.sequence != nil, "writes go on")
        #expect(try await world.harness.storage.latestCheckpoint() == nil, "the rewritten head was not signed")
        #expect(world.harness.storage.auditSigningRefusal?.contains("rewritten") == true)
        let verification = try await world.harness.service.verifyAudit()
        #expect(verification.problem == .unsigned, "\(verification)")
        #expect(verification.detail?.contains("stopped signing") == true)
    }

    /// A signed server with changes, admin reads and a second change of one record.
    struct World {
        let harness: Harness
        let device: Device
        let factory: RecordFactory
        let firstChangeOfI1: UInt64

        init(_ backend: TestBackend) async throws {
            harness = try await Harness(backend: backend)
            let (device, _, factory) = try await harness.enroll(Harness.stationA)
            self.device = device
            self.factory = factory
            let reports = try (0..<4).map { try factory.incidentReport("i\($0)") }
            let first = try await harness.push(reports, from: device)
            firstChangeOfI1 = try #require(first[1].sequence)
            _ = try await harness.push([try factory.apply([.set("severity", "major")], to: reports[1])], from: device)
            _ = try await harness.service.readRecord(RecordID("i0"), reason: "complaint 2026-117")
            _ = try await harness.push([try factory.patrolSignIn("p1")], from: device)
            // A refused push: another station's record, quarantined and chained.
            let elsewhere = RecordFactory(replica: device.replica, station: Harness.stationB, now: harness.clock.now)
            _ = try await harness.push([try elsewhere.incidentReport("x1")], from: device)
            let verification = try await harness.service.verifyAudit()
            #expect(verification.isIntact, "\(verification)")
            #expect(verification.recordsChecked == 5 && verification.historyRowsChecked == 6)
        }

        /// SQL that rewrites `severity` "minor" to "major" in a JSON column, as an intruder would.
        func replace(in table: String, column: String, where condition: String) -> String {
            harness.postgres == nil
                ? "UPDATE \(table) SET \(column) = CAST(replace(CAST(\(column) AS TEXT), '\"minor\"', '\"major\"') AS BLOB) WHERE \(condition)"
                : "UPDATE \(table) SET \(column) = convert_to(replace(convert_from(\(column), 'UTF8'), '\"minor\"', '\"major\"'), 'UTF8') WHERE \(condition)"
        }

        /// Rewrites entries from `sequence` on with `rewrite` and recomputes their hashes: no key needed.
        func recompute(from sequence: UInt64, _ rewrite: (AuditEntry) -> AuditDraft) async throws {
            let entries = try await harness.storage.auditEntries(after: 0, limit: 10_000)
            var previous = entries.first { $0.sequence == sequence - 1 }?.hash ?? AuditChain.genesisHash
            for entry in entries where entry.sequence >= sequence {
                let relinked = AuditChain.link(rewrite(entry), sequence: entry.sequence, previousHash: previous)
                try await harness.tamper("""
                    UPDATE audit SET actor = '\(relinked.draft.actor)', previous_hash = '\(relinked.previousHash)', hash = '\(relinked.hash)'
                    WHERE seq = \(entry.sequence)
                    """)
                previous = relinked.hash
            }
            // PostgreSQL keeps the chain's head beside the change sequence: a careful intruder moves it too.
            if harness.postgres != nil { try await harness.tamper("UPDATE sync_head SET audit_hash = '\(previous)'") }
        }
    }
}
