import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import Foundation

/// The demo's proof after the storm: conflicts shown and resolved, every terminal compared with the
/// server's view of what it may see, rejected changes accounted for, the audit chain verified.
struct DemoChecks: Sendable {
    let say: @Sendable (String) -> Void
    let service: SyncService
    let cast: DemoScenario.Cast
    let story: DemoScenario.Story

    func prove() async throws -> DemoOutcome {
        var problems: [String] = []
        let names = try await deviceNames()

        say(Text.heading("5. Conflicts after the storm, as the server holds them"))
        let conflicts = try await service.conflicts()
        // The server lists records that wait for a person; edits a rule decided elsewhere are explained
        // by every terminal that holds them (here: each station's counter).
        var byRule: [ConflictDescription] = []
        for desk in cast.desks {
            for described in try desk.store.autoResolved()
            where !conflicts.contains(where: { $0.id == described.id }) && !byRule.contains(where: { $0.id == described.id }) {
                byRule.append(described)
            }
        }
        let fields = (conflicts + byRule).flatMap(\.fields)
        let decided = fields.filter { if case .decided = $0.decision { true } else { false } }.count
        for conflict in conflicts + byRule {
            say("")
            for line in ConflictText.lines(conflict, deviceName: { names[$0] }) { say(line) }
        }
        say("")
        say("(→ marks the value a policy chose.) \(fields.count) concurrent fields: \(decided) decided by their policy, \(fields.count - decided) need a person.")
        say("Notes from two officers and the two follow-ups are not conflicts: logs and sets keep every entry.")
        if let visit = try cast.beatA.store.record(story.visit) {
            say("Household visit H-0417 as every station A terminal now holds it:")
            for field in ["outcome", "notes", "followUps"] {
                say("  \(Text.pad(field, 10)) " + (visit[field].map(Text.effective) ?? "-"))
            }
        }

        say(Text.heading("6. A person resolves what no rule may decide"))
        var resolved = 0
        for conflict in conflicts where conflict.needsPerson {
            // The officer now in charge of the case merges both texts, on the receiving station's terminal.
            let terminal = cast.patrolB
            for field in conflict.fields where field.decision == .needsPerson {
                let merged = field.candidates.compactMap(\.value.stringValue).joined(separator: " / ")
                try terminal.store.resolveConflict(conflict.id, field: field.name, value: .string(merged), by: terminal.officer)
                resolved += 1
                say("\(terminal.officer.rawValue) on \(terminal.name) writes '\(field.name)' of \(conflict.id.rawValue) as both texts joined:")
                say("  " + merged)
            }
        }
        try await DemoScenario(say: say).storm(cast.all)
        let left = try await service.conflicts().filter(\.needsPerson)
        if !left.isEmpty { problems.append("\(left.count) records still need a person after the resolution") }

        say(Text.heading("7. Rejected changes: refused, never lost"))
        var rejectedTotal = 0
        for terminal in cast.all {
            for change in try terminal.store.rejectedChanges() {
                rejectedTotal += 1
                say("\(terminal.name): \(change.type.rawValue) \(change.recordID.rawValue) refused (\(change.rejection.code.rawValue)): "
                    + change.rejection.message)
                say("  the local state is kept in \(terminal.name)'s rejected table; the server keeps it in quarantine.")
            }
        }
        let quarantined = try await service.quarantine().count
        if rejectedTotal != quarantined {
            problems.append("terminals hold \(rejectedTotal) rejected changes but the server quarantined \(quarantined)")
        }
        if rejectedTotal == 0 { problems.append("the edit to the closed case was not refused") }

        say(Text.heading("8. Convergence: each terminal against what the server lets it see"))
        var rows: [DemoOutcome.TerminalRow] = []
        for terminal in cast.all {
            let server = try await serverRecords(visibleTo: terminal)
            let local = try terminal.store.records().map(\.state)
            let differences = ConvergenceCheck.differences(local: local, server: server, terminal: terminal.replica)
            problems += differences.map { "\(terminal.name) \($0)" }
            let outbox = try terminal.store.pendingPushCount()
            if outbox > 0 { problems.append("\(terminal.name) still has \(outbox) records in its outbox") }
            // Independent of the server's scoping: every record must name this station in a scope field.
            let foreign = try terminal.store.records().filter { record in
                !record.schema.scopeUnits(of: record.state).contains { $0.isWithin(terminal.station) }
            }
            if !foreign.isEmpty { problems.append("\(terminal.name) holds \(foreign.count) records of another station") }
            let openConflicts = try terminal.store.conflictedRecords().filter { record in
                try terminal.store.describeConflict(record.id)?.needsPerson == true
            }.count
            rows.append(.init(terminal: terminal.name, station: terminal.station.rawValue, records: local.count,
                              visibleOnServer: server.count, identical: differences.isEmpty, outbox: outbox,
                              openConflicts: openConflicts,
                              rejectedKept: try terminal.store.rejectedChanges().count))
        }
        for line in Text.table(["terminal", "station", "holds", "server", "identical", "outbox", "to decide"],
                               rows.map { [$0.terminal, $0.station, "\($0.records)", "\($0.visibleOnServer)",
                                           $0.identical ? "yes" : "NO", "\($0.outbox)", "\($0.openConflicts)"] }) {
            say(line)
        }
        say("Station A's terminals never received station B's own records, and B's never A's; both hold the "
            + "transferred case, because A received it and B has jurisdiction.")

        try await history()

        say(Text.heading("10. Audit chain"))
        let audit = try await service.verifyAudit()
        let intact = audit.problem == nil
        say(intact ? "Verified \(audit.entriesChecked) entries: every entry hashes its predecessor; head \(audit.headHash.prefix(16))…, "
                   + "signed through entry \(audit.signedThrough.map(String.init) ?? "none"); \(audit.historyRowsChecked) history rows match "
                   + "their entries and \(audit.recordsChecked) records their history."
                   : "BROKEN at entry \(audit.firstBadSequence.map(String.init) ?? "?"): \(audit.problem?.rawValue ?? "")")
        if !intact { problems.append("the audit chain does not verify") }
        // Every terminal keeps the signed head it last pulled: copies the server's operators do not hold.
        let kept = try cast.all.compactMap { try $0.store.auditCheckpoint }
        if let oldest = kept.min(by: { $0.sequence < $1.sequence }), kept.count == cast.all.count {
            let against = try await service.verifyAudit(knownCheckpoint: oldest)
            say("Each of the \(kept.count) terminals keeps a signed audit head (entries \(oldest.sequence)...\(kept.map(\.sequence).max() ?? 0)); "
                + (against.problem == nil ? "the chain still covers the oldest one." : "the chain does NOT cover the oldest one."))
            if against.problem != nil { problems.append("the audit chain does not cover a terminal's checkpoint") }
        } else {
            problems.append("only \(kept.count) of \(cast.all.count) terminals keep a signed audit head")
        }

        return DemoOutcome(converged: problems.isEmpty, problems: problems, terminals: rows, concurrentFields: fields.count,
                           decidedByPolicy: decided, resolvedByPerson: resolved, rejectedChanges: rejectedTotal,
                           auditEntriesChecked: audit.entriesChecked, auditIntact: intact)
    }

    private func history() async throws {
        say(Text.heading("9. History of the transferred case: every accepted change"))
        let names = try await deviceNames()
        let entries = try await service.history(of: story.transferred, reason: "fieldsync demo")
        for line in Text.table(["seq", "accepted at", "device", "officers", "fields"], entries.map { entry in
            ["\(entry.sequence)", Text.time(entry.at), names[entry.replica] ?? entry.replica.rawValue,
             entry.authors.map(\.rawValue).joined(separator: ","), entry.delta.fields.keys.joined(separator: ",")]
        }) {
            say(line)
        }
    }

    private func deviceNames() async throws -> [ReplicaID: String] {
        Dictionary(try await service.devices().map { ($0.replica, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    private func serverRecords(visibleTo terminal: DemoTerminal) async throws -> [RecordState] {
        guard let credential = try terminal.store.identity?.credential else { return [] }
        let device = try await service.authenticate(credential: credential)
        var cursor: String?
        var records: [RecordState] = []
        while true {
            let page = try await service.pull(PullRequest(cursor: cursor, limit: 1_000), for: device)
            records += page.records
            cursor = page.cursor
            if !page.hasMore { return ConvergenceCheck.latestCopies(records) }
        }
    }
}
