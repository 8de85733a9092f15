import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import Foundation
import Logging
import Synchronization

/// `fieldsync demo`: a real server on a temporary SQLite file on loopback, six terminals of two
/// stations with their own SQLite stores, a morning online, an afternoon offline, a reconnection storm
/// over real HTTP, then the proof: convergence, conflicts and how each was resolved, the audit chain.
///
/// Everything runs on the production code paths; only the officers are simulated.
struct DemoScenario: Sendable {
    static let stationA = UnitID("KH.P03.S012")
    static let stationB = UnitID("KH.P05.S031")
    static let beat = UnitID("KH.P03.S012.B07")

    /// Where the human-readable narration goes (stdout in the command, a buffer in tests).
    let say: @Sendable (String) -> Void

    struct Cast: Sendable {
        let patrolA, beatA, deskA, patrolB, beatB, deskB: DemoTerminal
        var all: [DemoTerminal] { [patrolA, beatA, deskA, patrolB, beatB, deskB] }
        /// The terminals that lose the network when the typhoon cuts the police VPN.
        var field: [DemoTerminal] { [patrolA, beatA, patrolB, beatB] }
        var desks: [DemoTerminal] { [deskA, deskB] }
    }

    /// The records the story follows.
    struct Story: Sendable {
        var transferred: RecordID
        var visit: RecordID
        var closedCase: RecordID
        var majorCase: RecordID
    }

    func run() async throws -> DemoOutcome {
        let started = ContinuousClock.now
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        say(Text.heading("1. Setup"))
        let server = try await startServer(directory: directory)
        say("Server listening on \(server.baseURL), on a temporary SQLite file (deleted at the end).")
        let cast = try await enroll(server: server, directory: directory)

        var outcome: DemoOutcome
        do {
            say(Text.heading("2. Morning: online"))
            let story = try await morning(cast)
            say(Text.heading("3. Afternoon: a typhoon cuts the VPN; the field terminals work offline"))
            try await afternoon(cast, story)
            say(Text.heading("4. The VPN returns: every terminal reconnects at once"))
            try await storm(cast.all)
            outcome = try await DemoChecks(say: say, service: server.service, cast: cast, story: story).prove()
            try await deadlines(cast, story, service: server.service, into: &outcome)
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
        outcome.seconds = (ContinuousClock.now - started) / .milliseconds(1) / 1_000
        say(Text.heading("Result"))
        say(outcome.converged
            ? "CONVERGED: every terminal holds exactly the records it may see, identical to the server's; "
              + "no conflict is left for a person, nothing was lost, and the audit chain is intact."
            : "NOT CONVERGED:\n" + outcome.problems.map { "  - \($0)" }.joined(separator: "\n"))
        say(String(format: "Ran in %.1f s.", outcome.seconds))
        return outcome
    }

    // MARK: - Setup

    private func startServer(directory: URL) async throws -> RunningServer {
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.databasePath = directory.appendingPathComponent("server.sqlite").path
        config.service.adminTokenHash = AdminToken.generate().verifier
        config.logLevel = .error
        // The audit head is signed as by a configured server, with a key that lives as long as the demo.
        let storage = try SQLiteStorage(path: config.databasePath, auditSigner: .ephemeral())
        try await storage.prepare()
        var logger = Logger(label: "fieldsync.demo.server")
        logger.logLevel = .error
        return try await RunningServer.start(service: SyncService(storage: storage, settings: config.service),
                                             config: config, logger: logger)
    }

    private func enroll(server: RunningServer, directory: URL) async throws -> Cast {
        let url = URL(string: server.baseURL)!
        func terminal(_ name: String, _ role: String, _ station: UnitID, _ officers: [String]) async throws -> DemoTerminal {
            let terminal = try DemoTerminal.open(name: name, role: role, station: station, officers: officers.map { OfficerID($0) },
                                                 directory: directory, server: url)
            // The administrator issues a one-time token; the terminal exchanges it over HTTP.
            let token = try await server.service.createEnrollmentToken(station: station)
            let enrolled = try await terminal.engine.enroll(token: token.token, deviceName: name)
            rows.update { $0.append([name, role, station.rawValue, officers.joined(separator: ","),
                                     "\(enrolled.lease.first)-\(enrolled.lease.last)"]) }
            return terminal
        }
        let rows = Rows()
        let cast = Cast(
            patrolA: try await terminal("A-patrol", "patrol car", Self.stationA, ["KH1001", "KH1002"]),
            beatA: try await terminal("A-beat", "beat tablet", Self.stationA, ["KH1003", "KH1001"]),
            deskA: try await terminal("A-desk", "station counter", Self.stationA, ["KH1009"]),
            patrolB: try await terminal("B-patrol", "patrol car", Self.stationB, ["KH2001", "KH2002"]),
            beatB: try await terminal("B-beat", "beat tablet", Self.stationB, ["KH2003"]),
            deskB: try await terminal("B-desk", "station counter", Self.stationB, ["KH2009"]))
        say("Six terminals enrolled over HTTP with one-time tokens, each with its own SQLite store and key; "
            + "officers share them, and every write names its officer. Receipt numbers are leased in blocks "
            + "so that incident receipts can be issued offline:")
        for line in Text.table(["terminal", "kind", "station", "officers", "receipts"], rows.value) { say(line) }
        return cast
    }

    // MARK: - The working day

    private func morning(_ cast: Cast) async throws -> Story {
        let now = Self.now()
        let theft = try cast.deskA.store.createIncidentReport(NewIncidentReport(
            receivedAt: now, receivingUnit: Self.stationA, category: "theft", severity: "minor",
            narrative: "Scooter stolen overnight outside the reporter's home on Liuhe 2nd Rd.",
            reporterName: "陳美玲", reporterContact: "0912-345-678"), by: cast.deskA.officer)
        say("A-desk receives a scooter theft (receipt \(theft["receiptNumber"].map(Text.effective) ?? "?")); the place lies in "
            + "station B's jurisdiction, so the case is transferred to \(Self.stationB.rawValue) (single window).")
        try cast.deskA.store.transfer(theft.id, to: Self.stationB, reason: "place of the offence", by: cast.deskA.officer)

        let visit = try cast.beatA.store.createHouseholdVisit(NewHouseholdVisit(
            beat: Self.beat, household: "H-0417", officer: cast.beatA.officer, subjectCategory: "elderlyAlone",
            visitKind: "care", visitedAt: now, subjectName: "林阿嬤"), by: cast.beatA.officer)
        say("A-beat opens a care visit to an elderly resident living alone (household H-0417).")

        let wallet = try cast.deskB.store.createIncidentReport(NewIncidentReport(
            receivedAt: now, receivingUnit: Self.stationB, category: "other", severity: "minor",
            narrative: "Wallet lost near the MRT exit."), by: cast.deskB.officer)
        try cast.deskB.store.move(wallet.id, to: .investigating, by: cast.deskB.officer)
        say("B-desk receives a lost-wallet report and starts investigating.")

        let assault = try cast.deskA.store.createIncidentReport(NewIncidentReport(
            receivedAt: now - 50 * 60_000, receivingUnit: Self.stationA, category: "assault", severity: "major",
            narrative: "Fight outside the night market; one man taken to hospital."), by: cast.deskA.officer)
        say("A-desk enters an assault reported at the counter 50 minutes ago: a major case, to be notified within the hour.")

        for terminal in cast.desks + [cast.beatA] { try await terminal.engine.syncUntilCaughtUp() }
        for terminal in cast.all { try await terminal.engine.syncUntilCaughtUp() }
        say("Every terminal syncs: station B's terminals now hold the transferred case; station A's keep it too.")
        return Story(transferred: theft.id, visit: visit.id, closedCase: wallet.id, majorCase: assault.id)
    }

    private func afternoon(_ cast: Cast, _ story: Story) async throws {
        // Patrol sign-ins: evidence that officers were at a checkpoint; created once, never edited.
        for (terminal, prefix) in [(cast.patrolA, "CP-A"), (cast.patrolB, "CP-B")] {
            for index in 1...12 {
                try terminal.store.createPatrolSignIn(NewPatrolSignIn(
                    officers: terminal.officers, checkpoint: "\(prefix)-\(String(format: "%03d", index))",
                    unit: terminal.station, signedAt: Self.now(), method: index.isMultiple(of: 3) ? .nfc : .qr),
                    by: terminal.officer)
            }
        }
        let wrong = try cast.patrolA.store.createPatrolSignIn(NewPatrolSignIn(
            officers: cast.patrolA.officers, checkpoint: "CP-B-001", unit: Self.stationA, signedAt: Self.now(), method: .qr),
            by: cast.patrolA.officer)
        try cast.patrolA.store.void(wrong.id, reason: "scanned the neighbouring station's box by mistake", by: cast.patrolA.officer)
        say("Patrol cars sign in at 12 checkpoints each; A-patrol voids a sign-in scanned by mistake (never deleted).")

        // Two officers visit the same household and both write to the visit.
        try cast.beatA.store.addNote(to: story.visit, "Door answered by a neighbour; resident at the clinic.", by: cast.beatA.officer)
        try cast.beatA.store.edit(story.visit, [.set("outcome", "notAtHome"), .add("followUps", "revisit")], by: cast.beatA.officer)
        try cast.patrolA.store.addNote(to: story.visit, "Passed by at 16:10: resident home, well, needs meal delivery.",
                                       by: cast.patrolA.officer)
        try cast.patrolA.store.edit(story.visit, [.set("outcome", "met"), .add("followUps", "socialServicesReferral")],
                                    by: cast.patrolA.officer)
        say("Household visit H-0417: A-beat notes 'not at home', A-patrol later finds her in and asks for a referral.")

        // The transferred case: station B owns it now and works on it; station A, which received it, may add
        // addenda only (SPEC 10.6: the jurisdiction owns the case).
        try cast.patrolB.store.edit(story.transferred, [
            .set("status", "accepted"),
            .set("narrative", "Scooter stolen overnight on Liuhe 2nd Rd. CCTV at No. 88 shows two suspects at 03:12."),
            .set("location", "Liuhe 2nd Rd. near No. 90"),
        ], by: cast.patrolB.officer)
        try cast.beatB.store.edit(story.transferred, [
            .set("narrative", "Scooter stolen overnight on Liuhe 2nd Rd. Reporter called back: plate ABC-1234, grey."),
            .set("location", "Liuhe 2nd Rd. No. 88"),
        ], by: cast.beatB.officer)
        try cast.beatA.store.addNote(to: story.transferred, "Reporter phoned station A: plate ABC-1234, grey.", by: cast.beatA.officer)
        try cast.deskA.store.addNote(to: story.transferred, "Reporter was sent the written transfer notice.", by: cast.deskA.officer)
        try cast.deskA.store.edit(story.transferred, [.set("reporterToldInWritingAt", .int(Self.now()))], by: cast.deskA.officer)
        say("Transferred theft: B-patrol accepts it and adds CCTV to the narrative while B-beat, offline, adds the "
            + "reporter's call-back to the same narrative; both correct the location. Station A, which received the case, "
            + "adds addenda only: the case is B's now.")

        // The station counter is on the wired network: it closes the wallet case while B-patrol, offline,
        // still edits it.
        for status in [IncidentReportStatus.solved, .closed] {
            try cast.deskB.store.move(story.closedCase, to: status, by: cast.deskB.officer)
        }
        try await cast.deskB.engine.syncUntilCaughtUp()
        try await cast.deskA.engine.syncUntilCaughtUp()
        try cast.patrolB.store.edit(story.closedCase, [.set("severity", "ordinary")], by: cast.patrolB.officer)
        say("B-desk (online) closes the wallet case; B-patrol (offline) raises its severity: a closed case is locked.")

        let pending = try cast.field.map { try $0.store.pendingPushCount() }.reduce(0, +)
        say("Outboxes waiting for the network: \(pending) records on four field terminals.")
    }

    // MARK: - The storm

    /// Every terminal syncs at once, in waves, until a wave moves nothing: the first wave pushes, the
    /// next ones bring each terminal what the others pushed.
    func storm(_ terminals: [DemoTerminal]) async throws {
        // Full jitter spreads the reconnections, as the daemon does after an outage.
        let jitter = Backoff(baseMilliseconds: 250, capMilliseconds: 250)
        for wave in 1...6 {
            let reports = try await withThrowingTaskGroup(of: (String, SyncEngine.Report).self) { group in
                for terminal in terminals {
                    let delay = jitter.delay(afterFailures: 1)
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(delay))
                        return (terminal.name, try await Self.syncRetrying(terminal, backoff: jitter))
                    }
                }
                var reports: [(String, SyncEngine.Report)] = []
                for try await report in group { reports.append(report) }
                return reports.sorted { $0.0 < $1.0 }
            }
            let moved = reports.contains { $0.1.pushed > 0 || $0.1.pulled > 0 }
            guard moved else {
                say("Wave \(wave): nothing left to push or pull on any terminal.")
                return
            }
            say("Wave \(wave):")
            for (name, report) in reports where report.pushed > 0 || report.pulled > 0 {
                say("  \(Text.pad(name, 9)) pushed \(report.pushed) (\(report.accepted) accepted, \(report.rejected) refused), "
                    + "pulled \(report.pulled), +\(report.conflicted.count) conflicts, \(report.roundTrips) trip"
                    + (report.roundTrips == 1 ? "" : "s"))
            }
        }
    }

    /// One sync, retried with backoff while the failure is transient (honouring the server's retry-after).
    /// The reporting deadlines, computed on each terminal from what it holds (offline-capable): one
    /// case at risk, and the transferred case's deadlines met on station B's and A's terminals, the same
    /// on every terminal that holds it.
    func deadlines(_ cast: Cast, _ story: Story, service: SyncService, into outcome: inout DemoOutcome) async throws {
        say(Text.heading("11. Reporting deadlines, on each terminal and on the server"))
        let now = Self.now()
        let atRisk = try cast.deskA.store.openDeadlines(now: now, within: Deadline.hour)
        for row in atRisk {
            say("A-desk, AT RISK: \(row.status.deadline) of \(row.receipt ?? row.record.rawValue), due \(Text.time(row.status.dueAt)) "
                + "(in \(DurationArgument.text(row.status.dueAt - now))); `fieldsync cases due` lists it, offline too.")
        }
        outcome.deadlinesAtRisk = atRisk.count
        // The supervisor's view on the server, from the same records (`fieldsync admin cases overdue --within 1h`).
        let unit = cast.deskA.station
        let onServer = try await service.overdueCases(unit: unit, within: Deadline.hour).deadlines
        say("Server, for \(unit.rawValue)'s supervisor (`fieldsync admin cases overdue --unit \(unit.rawValue) --within 1h`): "
            + (onServer.isEmpty ? "nothing" : onServer.map { "\($0.status.deadline) of \($0.receipt ?? $0.record.rawValue)" }.joined(separator: ", "))
            + "; fieldsync_cases_overdue counts it once it is overdue.")
        outcome.serverListsAtRisk = Set(onServer.map(\.record)) == Set(atRisk.map(\.record)) && !onServer.isEmpty
        if !outcome.serverListsAtRisk {
            outcome.problems.append("the server lists \(onServer.map(\.record)) at risk, the terminal \(atRisk.map(\.record))")
            outcome.converged = false
        }
        var seen: Set<[DeadlineStatus]> = []
        for terminal in cast.all {
            guard let record = try terminal.store.record(story.transferred) else { continue }
            seen.insert(record.schema.deadlineStatuses(of: record.state, now: now))
        }
        let statuses = seen.first ?? []
        say("Transferred theft: accepted by B-patrol while offline, the reporter's letter recorded at A-desk; every "
            + "terminal holding the case computes the same:")
        for status in statuses where status.deadline != "nationalSystemEntry" {
            say("  \(status.deadline): \(CasesCommand.Met.describe(status))")
        }
        outcome.deadlinesMetEverywhere = seen.count == 1
            && statuses.contains { $0.deadline == "transferAccepted" && $0.outcome == .met }
            && statuses.contains { $0.deadline == "reporterToldOfTransfer" && $0.outcome == .met }
        if !outcome.deadlinesMetEverywhere {
            outcome.problems.append("the transferred case's deadlines differ between terminals or are not met: \(seen)")
            outcome.converged = false
        }
    }

    static func syncRetrying(_ terminal: DemoTerminal, backoff: Backoff) async throws -> SyncEngine.Report {
        var failures = 0
        while true {
            do {
                return try await terminal.engine.syncUntilCaughtUp()
            } catch let error as ClientError where error.isTransient && failures < 5 {
                failures += 1
                try await Task.sleep(for: .milliseconds(backoff.delay(afterFailures: failures,
                                                                      retryAfterSeconds: error.retryAfterSeconds)))
            }
        }
    }

    /// Collects the enrollment table from the async helper above.
    final class Rows: Sendable {
        private let rows = Mutex<[[String]]>([])
        func update(_ body: (inout [[String]]) -> Void) { rows.withLock { body(&$0) } }
        var value: [[String]] { rows.withLock { $0 } }
    }

    static func now() -> Int64 { WallClock.milliseconds(Date()) }
}
