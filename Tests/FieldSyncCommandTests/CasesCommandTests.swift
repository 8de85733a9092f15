@testable import fieldsync
import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation
import Testing

/// `fieldsync cases due|met` as an officer runs them: computed offline from the terminal's records, at a
/// time given with --at (so no test depends on the clock), and met on another terminal once synced.
@Suite struct CasesCommandTests {
    let cli = TerminalCommandTests()

    @Test func aMajorCaseIsOverdueUntilAnotherTerminalsNotificationIsSynced() async throws {
        let server = try await TestServer.start(clock: TestClock(WallClock.milliseconds(Date())))
        let (directory, pin) = try TerminalCommandTests.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let desk = try await cli.configure(server, directory, name: "desk")
        let patrol = try await cli.configure(server, directory, name: "patrol")
        for config in [desk, patrol] {
            #expect(await cli.status(["officer", "add", "--first", "--officer", "KH1001", "--config", config, "--pin-file", pin]) == 0)
            #expect(await cli.status(["sync", "--config", config, "--json"]) == 0)
        }

        #expect(await cli.status(["record", "add", "incidentReport", "--config", desk, "--json", "--set", "category=assault",
                                  "--set", "severity=major", "--set", "narrative=Stabbing outside the night market"]) == 0)
        let deskStore = try TerminalStore(path: directory.appendingPathComponent("desk.sqlite").path,
                                          access: .signIn(officer: OfficerID("KH1001"), passphrase: "2468-KH"), keys: StoreKeys(cost: .fast))
        let report = try #require(try deskStore.records(RecordFilter(types: [.incidentReport])).first)
        let received = try #require(report["receivedAt"]?.singleValue?.intValue)
        func at(_ offset: Int64) -> String { String(received + offset) }
        let hour = Deadline.hour

        // Within the hour: nothing overdue; due within 30 minutes only near the end of it.
        #expect(await cli.status(["cases", "due", "--config", desk, "--at", at(10 * 60_000)]) == 0)
        #expect(try deskStore.openDeadlines(now: received + 10 * 60_000, within: 30 * 60_000).isEmpty)
        #expect(try deskStore.openDeadlines(now: received + 40 * 60_000, within: 30 * 60_000).map(\.status.deadline) == ["majorCaseNotified"])
        // Past the hour: overdue (exit 4), in text and JSON.
        #expect(await cli.status(["cases", "due", "--config", desk, "--at", at(2 * hour)]) == CLIFailure.refused)
        #expect(await cli.status(["cases", "due", "--config", desk, "--at", at(2 * hour), "--json", "--within", "1d"]) == CLIFailure.refused)
        #expect(await cli.status(["status", "--config", desk, "--json"]) == 0)

        // The patrol terminal notifies (in time); the desk sees it once both have synced.
        #expect(await cli.status(["sync", "--config", desk, "--json"]) == 0)
        #expect(await cli.status(["sync", "--config", patrol, "--json"]) == 0)
        #expect(await cli.status(["cases", "met", report.id.rawValue, "majorCaseNotified", "--config", patrol,
                                  "--at", at(20 * 60_000), "--json"]) == 0)
        #expect(await cli.status(["cases", "due", "--config", desk, "--at", at(2 * hour)]) == CLIFailure.refused,
                "the desk has not synced since")
        #expect(await cli.status(["sync", "--config", patrol, "--json"]) == 0)
        #expect(await cli.status(["sync", "--config", desk, "--json"]) == 0)
        #expect(await cli.status(["cases", "due", "--config", desk, "--at", at(2 * hour), "--within", "1m"]) == 0)
        let open = try deskStore.openDeadlines(now: received + 2 * hour)
        #expect(open.map(\.status.deadline) == ["nationalSystemEntry"], "met on the patrol terminal, so met here")

        // Bad input: a duration without a number, a time that is none, an unknown deadline, an unknown
        // record. Each is refused with its status and changes no stored record.
        let before = try deskStore.records()
        #expect(await cli.status(["cases", "due", "--config", desk, "--within", "soon"]) == CLIFailure.usage)
        #expect(await cli.status(["cases", "met", report.id.rawValue, "nationalSystemEntry", "--config", desk,
                                  "--at", "yesterday"]) == CLIFailure.usage)
        #expect(await cli.status(["cases", "met", report.id.rawValue, "coffeeBreak", "--config", desk]) == CLIFailure.usage)
        #expect(await cli.status(["cases", "met", "no-such-case", "nationalSystemEntry", "--config", desk]) == CLIFailure.notFound)
        #expect(try deskStore.records() == before)
        #expect(try deskStore.pendingPushCount() == 0)
        try await server.stop()
    }

    @Test func theListingSaysWhenTheTerminalLastSynced() throws {
        let row = DueDeadline(record: RecordID("case-1"), type: .incidentReport, receipt: "KH.P03.S012-0000001",
                              units: [UnitID("KH.P03.S012")], status: DeadlineStatus(
                                  deadline: "majorCaseNotified", startedAt: 0, dueAt: Deadline.hour, metAt: nil, outcome: .overdue))
        let now = Deadline.hour + 25 * 60_000
        let lines = CasesCommand.Due.text([row], registry: .standard, now: now, within: Deadline.hour, lastSync: now - 12 * 60_000)
        let text = lines.joined(separator: "\n")
        #expect(text.contains("last synced 12 min ago"))
        #expect(text.contains("OVERDUE by 25 min"))
        #expect(text.contains("majorCaseNotified: a major case is notified within one hour of its receipt."))
        #expect(CasesCommand.Due.text([], registry: .standard, now: now, within: Deadline.hour, lastSync: nil)
                .joined().contains("never synced"))
        #expect(try DurationArgument.milliseconds("30m") == 30 * 60_000)
        #expect(try DurationArgument.milliseconds("2h") == 2 * Deadline.hour)
        #expect(try DurationArgument.milliseconds("45") == 45 * 60_000)
        #expect(throws: (any Error).self) { try DurationArgument.milliseconds("-5m") }
        #expect(DurationArgument.text(26 * Deadline.hour + 5 * 60_000) == "1 d 2 h")
    }

    /// `fieldsync admin cases overdue` against a live server whose clock the test moves.
    @Test func aSupervisorListsAUnitsOverdueCasesOnTheServer() async throws {
        let server = try await TestServer.start(clock: TestClock(WallClock.milliseconds(Date())))
        let enrolled = try await server.enrollDevice(station: TerminalCommandTests.station)
        let factory = RecordFactory(enrolled: enrolled, now: server.clock.now)
        let device = try await server.service.authenticate(credential: enrolled.credential)
        let major = try factory.apply([.set("severity", "major")], to: try factory.incidentReport("major"))
        _ = try await server.service.push(PushRequest(batchID: "b1", records: [major]), from: device)
        let admin = ["--server", server.baseURL, "--admin-token", TestServer.adminToken]

        #expect(await cli.status(["admin", "cases", "overdue", "--unit", "KH.P03"] + admin) == 0, "within the hour: nothing overdue")
        #expect(await cli.status(["admin", "cases", "overdue", "--unit", "KH.P03", "--within", "2h", "--json"] + admin) == 0,
                "due soon is listed, not overdue")
        server.clock.advance(milliseconds: 2 * Deadline.hour)
        #expect(await cli.status(["admin", "cases", "overdue", "--unit", "KH.P03"] + admin) == CLIFailure.refused)
        #expect(await cli.status(["admin", "cases", "overdue", "--unit", "KH.P03.S012", "--json"] + admin) == CLIFailure.refused)
        #expect(await cli.status(["admin", "cases", "overdue", "--unit", "KH.P05"] + admin) == 0, "another precinct's list is clear")

        // Bad input: usage errors, before anything is asked of the server.
        let before = try await server.service.storage.auditEntries(after: 0, limit: 10_000).count
        for bad in [["--unit", "kh p03"], ["--unit", "KH.P03", "--within", "40d"], ["--unit", "KH.P03", "--within", "soon"], []] {
            #expect(await cli.status(["admin", "cases", "overdue"] + bad + admin) == CLIFailure.usage, "\(bad)")
        }
        #expect(try await server.service.storage.auditEntries(after: 0, limit: 10_000).count == before, "nothing read")
        #expect(await cli.status(["admin", "cases", "overdue", "--unit", "KH.P03", "--server", server.baseURL, "--admin-token", "wrong"])
            != 0, "a wrong token is refused")

        let report = try await server.service.overdueCases(unit: UnitID("KH"))
        #expect(report.deadlines.map(\.record) == [RecordID("major")])
        let text = AdminCommand.Cases.Overdue.text(report, within: nil).joined(separator: "\n")
        #expect(text.contains("OVERDUE by 1 h: majorCaseNotified") && text.contains("record major"), "\(text)")
        try await server.stop()
    }
}
