import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import Testing

/// The server half of reporting deadlines (issue 18) beyond the storage conformance case: the index
/// filled by migration from cases stored before it existed, and the HTTP route and metric on a live server.
@Suite("Overdue cases on the server")
struct OverdueCasesTests {
    @Test("cases stored before the deadline index existed are indexed by its migration", arguments: [TestBackend.sqlite, .postgres])
    func migrationFillsTheIndex(backend: TestBackend) async throws {
        guard backend == .sqlite || TestPostgres.isEnabled else { return }
        let harness = try await Harness(backend: backend)
        defer { Task { await harness.dispose() } }
        let (device, _, factory) = try await harness.enroll(Harness.stationA)
        let major = try factory.apply([.set("severity", "major")], to: try factory.incidentReport("major"))
        let notified = try factory.apply([.set("severity", "major"), .set("notifiedAt", .int(factory.now))],
                                         to: try factory.incidentReport("notified"))
        _ = try await harness.push([major, notified, try factory.patrolSignIn("p1")], from: device)
        harness.clock.advance(milliseconds: 2 * Deadline.hour)
        let before = try await harness.service.overdueCases(unit: Harness.stationA)

        // The database as the previous release left it: no index, its migration not applied.
        if backend == .sqlite {
            try await harness.tamper("DROP TABLE open_deadlines", "DELETE FROM grdb_migrations WHERE identifier = 'v6'")
        } else {
            try await harness.tamper("DROP TABLE open_deadlines", "DELETE FROM fieldsync_migrations WHERE version = 5")
        }
        try await harness.storage.prepare()
        let after = try await harness.service.overdueCases(unit: Harness.stationA)
        #expect(after.deadlines.map(\.record) == [RecordID("major")], "the major case not notified, and only it")
        #expect(after.deadlines == before.deadlines)
        #expect(try await harness.storage.openDeadlines(dueBy: .max).map(\.deadline).sorted()
            == ["majorCaseNotified", "nationalSystemEntry", "nationalSystemEntry"], "every open deadline of both cases")
        #expect(try await harness.service.verifyAudit().isIntact)
    }

    @Test("a voided case leaves the index, the lists and the counts", arguments: [TestBackend.sqlite, .postgres])
    func voidedCase(backend: TestBackend) async throws {
        guard backend == .sqlite || TestPostgres.isEnabled else { return }
        let harness = try await Harness(backend: backend)
        defer { Task { await harness.dispose() } }
        let (device, _, factory) = try await harness.enroll(Harness.stationA)
        let major = try factory.apply([.set("severity", "major")], to: try factory.incidentReport("major"))
        _ = try await harness.push([major], from: device)
        harness.clock.advance(milliseconds: 2 * Deadline.hour)
        #expect(try await harness.service.overdueCases(unit: Harness.stationA).deadlines.map(\.record) == [RecordID("major")])
        var voiding = factory
        voiding.now = harness.clock.now
        let voided = try voiding.apply([.set("voidReason", "entered twice"), .set("status", "voided")], to: major)
        #expect(try await harness.push([voided], from: device)[0].sequence != nil)
        #expect(try await harness.service.overdueCases(unit: Harness.stationA, within: 72 * Deadline.hour).deadlines.isEmpty)
        #expect(try await harness.storage.openDeadlines(dueBy: .max).isEmpty)
        #expect(try await harness.storage.overdueCounts(at: harness.clock.now).isEmpty)
        #expect(try await harness.service.verifyAudit().isIntact)
    }

    @Test("over HTTP: the list for a unit, typed refusals of bad queries, and the metric on /metrics")
    func overHTTP() async throws {
        let server = try await TestServer.start(clock: TestClock(WallClock.milliseconds(Date())))
        let enrolled = try await server.enrollDevice(station: Harness.stationA)
        let factory = RecordFactory(enrolled: enrolled, now: server.clock.now)
        let client = HTTPTestClient(baseURL: server.baseURL)
        let major = try factory.apply([.set("severity", "major")], to: try factory.incidentReport("major"))
        let second = try factory.apply([.set("severity", "major")], to: try factory.incidentReport("second"))
        let pushed = try await client.post("/v1/push", PushRequest(batchID: "b1", records: [major, second]), bearer: enrolled.credential)
        #expect(pushed.status == 200)
        server.clock.advance(milliseconds: 2 * Deadline.hour)

        let listed = try await client.send("GET", "/v1/admin/cases/overdue?unit=KH.P03", bearer: TestServer.adminToken)
        #expect(listed.status == 200)
        let report = try listed.decode(OverdueCases.self)
        #expect(report.unit == UnitID("KH.P03") && report.at == server.clock.now)
        #expect(report.deadlines.map { "\($0.record.rawValue) \($0.status.deadline) \($0.status.outcome.rawValue)" }
            == ["major majorCaseNotified overdue", "second majorCaseNotified overdue"])
        let soon = try await client.send("GET", "/v1/admin/cases/overdue?unit=KH.P03&withinSeconds=172800", bearer: TestServer.adminToken)
        #expect(try soon.decode(OverdueCases.self).deadlines.map(\.status.deadline)
            == ["majorCaseNotified", "majorCaseNotified", "nationalSystemEntry", "nationalSystemEntry"])

        for query in ["", "?unit=", "?unit=kh%20p03", "?unit=KH.P03&withinSeconds=soon", "?unit=KH.P03&withinSeconds=-5",
                      "?unit=KH.P03&withinSeconds=99999999999"] {
            let refused = try await client.send("GET", "/v1/admin/cases/overdue" + query, bearer: TestServer.adminToken)
            #expect(refused.status == 400, "\(query)")
            #expect((try? refused.decode(ProtocolError.self))?.code == .malformedRequest, "\(query)")
        }
        let withoutToken = try await client.send("GET", "/v1/admin/cases/overdue?unit=KH.P03", bearer: enrolled.credential)
        #expect(withoutToken.status == 401, "a device credential does not open the admin API")

        let metrics = try await client.send("GET", "/metrics")
        let text = String(decoding: metrics.body, as: UTF8.self)
        for unit in ["KH", "KH.P03", "KH.P03.S012"] {
            #expect(text.contains("fieldsync_cases_overdue{unit=\"\(unit)\",deadline=\"majorCaseNotified\"} 2"), "\(unit): \(text)")
        }
        #expect(!text.contains("deadline=\"nationalSystemEntry\""), "not overdue yet: no series")
        try await server.stop()
    }
}
