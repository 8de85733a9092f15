import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import GRDB
import Testing

@Suite("Atomic batches and the audit chain")
struct AtomicityAuditTests {
    @Test("a push that fails midway leaves nothing half-applied, and the same batch applies later")
    func atomicBatch() async throws {
        let harness = try await Harness()
        let (device, _, factory) = try await harness.enroll(Harness.stationA)
        let records = try (0..<5).map { try factory.patrolSignIn("p\($0)") }
        // The storage fails while storing the fourth record (a full disk would look the same).
        try await harness.database().write { db in
            try db.execute(sql: """
                CREATE TRIGGER fail_midway BEFORE INSERT ON history WHEN NEW.record_id = 'p3'
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                """)
        }
        let audit = try harness.count("audit")
        do {
            _ = try await harness.push(records, from: device, batch: "b1")
            Issue.record("the failing batch reported success")
        } catch let error as ServerError {
            #expect(error.code == .unavailable && error.status == .serviceUnavailable)
            // The device is told to retry; the SQL error stays in the server's log.
            #expect(!error.protocolError.message.contains("injected failure"))
            #expect(error.underlying?.contains("injected failure") == true)
        }
        for table in ["records", "history", "record_units", "batches", "quarantine"] { #expect(try harness.count(table) == 0, "\(table)") }
        #expect(try harness.count("audit") == audit)
        #expect(try await harness.pullAll(device).isEmpty)
        try await harness.database().write { db in try db.execute(sql: "DROP TRIGGER fail_midway") }
        let results = try await harness.push(records, from: device, batch: "b1")
        #expect(results.allSatisfy { $0.sequence != nil })
        #expect(try harness.count("records") == 5)
    }

    @Test("every accepted change, enrollment, revocation, admin read and purge is chained; the chain verifies")
    func chainCoversEverything() async throws {
        let harness = try await Harness()
        let (device, _, factory) = try await harness.enroll(Harness.stationA)
        _ = try await harness.push([try factory.patrolSignIn("p1"), try factory.patrolSignIn("p2")], from: device)
        _ = try await harness.service.readRecord(RecordID("p1"), reason: "complaint 2026-117")
        try await harness.service.purge(RecordID("p2"), reason: "retention period over")
        _ = try await harness.service.revoke(device.replica)
        let kinds = try await harness.storage.auditEntries(after: 0, limit: 100).map(\.draft.kind)
        #expect(kinds == [.enrollmentTokenCreated, .enrollment, .changes, .adminRead, .purge, .revocation], "one entry for the batch's changes")
        let verification = try await harness.service.verifyAudit()
        #expect(verification.isIntact && verification.entriesChecked == kinds.count)
        #expect(try await harness.service.history(of: RecordID("p2"), reason: "test").isEmpty)
        // The purged record was the newest change: cursors issued before the purge stay valid.
        let page = try await harness.service.pull(PullRequest(cursor: "2"), for: device)
        #expect(page.records.isEmpty && page.cursor == "2")
        #expect(try await harness.service.history(of: RecordID("p1"), reason: "test").map(\.replica) == [device.replica])
    }

    @Test("the verifier finds the first altered, removed or inserted entry")
    func tamperDetection() async throws {
        for tampering in ["alter", "remove", "insert", "relink"] {
            // Unsigned: each push now signs its own checkpoint, which would name the rewrite first
            // (AuditTamperTests); this is the chain's own detection.
            let harness = try await Harness(signed: false)
            let (device, _, factory) = try await harness.enroll(Harness.stationA)
            for index in 0..<4 { _ = try await harness.push([try factory.patrolSignIn("p\(index)")], from: device) }
            #expect(try await harness.service.verifyAudit().isIntact)
            let expected: (UInt64, AuditVerification.Problem) = try await harness.database().write { db in
                switch tampering {
                case "alter":
                    try db.execute(sql: "UPDATE audit SET actor = 'KH9999' WHERE seq = 4")
                    return (4, .altered)
                case "remove":
                    try db.execute(sql: "DELETE FROM audit WHERE seq = 3")
                    return (4, .sequenceGap)
                case "insert":
                    // A forged entry with a correct hash of its own, squeezed in by renumbering the tail.
                    try db.execute(sql: "UPDATE audit SET seq = seq + 100 WHERE seq >= 4")
                    try db.execute(sql: "UPDATE audit SET seq = seq - 99 WHERE seq >= 104")
                    let previous = try String.fetchOne(db, sql: "SELECT hash FROM audit WHERE seq = 3")!
                    let forged = AuditChain.link(AuditDraft(kind: .change, at: 1, actor: "KH0000", subject: "p9"), sequence: 4, previousHash: previous)
                    try db.execute(sql: """
                        INSERT INTO audit (seq, kind, at, actor, replica, subject, detail, previous_hash, hash) VALUES (4, 'change', 1, 'KH0000', '', 'p9', '', ?, ?)
                        """, arguments: [forged.previousHash, forged.hash])
                    return (5, .altered)
                default:
                    // Content and hash rewritten consistently: the next entry no longer links to it.
                    let row = try Row.fetchOne(db, sql: "SELECT * FROM audit WHERE seq = 3")!
                    let draft = AuditDraft(kind: .changes, at: row["at"], actor: "KH9999", replica: row["replica"],
                                           subject: row["subject"], detail: row["detail"])
                    let relinked = AuditChain.link(draft, sequence: 3, previousHash: row["previous_hash"])
                    try db.execute(sql: "UPDATE audit SET actor = 'KH9999', hash = ? WHERE seq = 3", arguments: [relinked.hash])
                    return (4, .brokenLink)
                }
            }
            let verification = try await harness.service.verifyAudit()
            #expect(verification.firstBadSequence == expected.0, "\(tampering)")
            #expect(verification.problem == expected.1, "\(tampering)")
        }
    }

    @Test("a chain written one entry per change, as servers before batch entries wrote it, still verifies and names a rewritten row")
    func entriesPerChangeStillVerify() async throws {
        let harness = try await Harness(signed: false)
        let (device, _, factory) = try await harness.enroll(Harness.stationA)
        _ = try await harness.push((0..<3).map { try factory.patrolSignIn("p\($0)") }, from: device, batch: "b 1")
        _ = try await harness.push([try factory.incidentReport("i1")], from: device)
        // The chain rewritten as the older servers wrote it: each batch entry split into one entry per change.
        try await harness.database().write { db in
            var drafts: [AuditDraft] = []
            for row in try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY seq") {
                let draft = AuditDraft(kind: AuditDraft.Kind(rawValue: row["kind"])!, at: row["at"], actor: row["actor"],
                                       replica: row["replica"], subject: row["subject"], detail: row["detail"])
                guard draft.kind == .changes else { drafts.append(draft); continue }
                for line in draft.detail.split(separator: "\n") {
                    let tokens = line.split(separator: " ")
                    drafts.append(AuditDraft(kind: .change, at: draft.at, actor: draft.actor, replica: draft.replica, subject: String(tokens[3]),
                                             detail: "seq \(tokens[1]) batch \(draft.subject) delta \(tokens[5]) state \(tokens[7])"))
                }
            }
            try db.execute(sql: "DELETE FROM audit")
            var previous = AuditChain.genesisHash
            for (index, draft) in drafts.enumerated() {
                let entry = AuditChain.link(draft, sequence: UInt64(index + 1), previousHash: previous)
                try db.execute(sql: """
                    INSERT INTO audit (seq, kind, at, actor, replica, subject, detail, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [index + 1, draft.kind.rawValue, draft.at, draft.actor, draft.replica, draft.subject, draft.detail,
                                     entry.previousHash, entry.hash])
                previous = entry.hash
            }
        }
        let kinds = try await harness.storage.auditEntries(after: 0, limit: 100).map(\.draft.kind)
        #expect(kinds == [.enrollmentTokenCreated, .enrollment, .change, .change, .change, .change])
        let verification = try await harness.service.verifyAudit()
        #expect(verification.isIntact && verification.historyRowsChecked == 4, "\(verification)")
        try await harness.tamper("UPDATE history SET delta = CAST(replace(CAST(delta AS TEXT), 'CP-7', 'CP-8') AS BLOB) WHERE record_id = 'p1'")
        let tampered = try await harness.service.verifyAudit()
        #expect(tampered.problem == .historyAltered && tampered.record == "p1", "\(tampered)")
    }
}
