import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import FieldSyncTesting
import Foundation
import Testing

/// End to end over real HTTP: enrolled terminals with real SQLite stores write offline, reconnect
/// together and converge on the server's state, each seeing exactly the records its station may see.
@Suite struct SyncRoundTests {
    static let alice = OfficerID("KH1001")
    static let bob = OfficerID("KH1002")
    static let carol = OfficerID("KH2001")

    @Test func offlineWritesAtTwoStationsConvergeAfterAStorm() async throws {
        let fixture = try await SyncFixture()
        let a1 = try await fixture.terminal("a1", station: SyncFixture.stationA)
        let a2 = try await fixture.terminal("a2", station: SyncFixture.stationA, officer: Self.bob)
        let b1 = try await fixture.terminal("b1", station: SyncFixture.stationB, officer: Self.carol)
        let now = fixture.server.clock.now

        // Offline: enough writes that pushes and pulls take several batches and pages.
        for index in 0..<5 {
            try a1.store.createPatrolSignIn(NewPatrolSignIn(officers: [Self.alice, Self.bob], checkpoint: "CP-A-\(index)",
                                                            unit: SyncFixture.stationA, signedAt: now, method: .qr), by: Self.alice)
        }
        let visit = try a2.store.createHouseholdVisit(NewHouseholdVisit(
            beat: UnitID("\(SyncFixture.stationA.rawValue).B07"), household: "H-0042", officer: Self.bob,
            subjectCategory: "elderlyAlone", visitKind: "care", visitedAt: now, outcome: "met",
            subjectName: "王小明", note: "Lives alone, well"), by: Self.bob)
        for index in 0..<3 {
            try b1.store.createIncidentReport(NewIncidentReport(receivedAt: now, receivingUnit: SyncFixture.stationB,
                                                                category: "theft", severity: "minor",
                                                                narrative: "Scooter stolen #\(index)"), by: Self.carol)
        }

        // The storm: every terminal reconnects at once, then once more to pick up the others' pushes.
        try await storm([a1, a2, b1])
        try await storm([a1, a2, b1])

        for terminal in [a1, a2, b1] {
            #expect(try await fixture.divergence(of: terminal) == [], "\(terminal.name) has not converged")
            #expect(try terminal.store.pendingPushCount() == 0)
        }
        #expect(try a1.store.count() == 6)
        #expect(try a1.store.record(visit.id)?["subjectName"]?.singleValue == .string("王小明"))
        #expect(try b1.store.count() == 3, "station B must not see station A's records")
        try await fixture.tearDown()
    }

    @Test func concurrentNarrativeEditsConflictOnBothSidesUntilOneTerminalResolves() async throws {
        let fixture = try await SyncFixture()
        let a1 = try await fixture.terminal("a1", station: SyncFixture.stationA)
        let a2 = try await fixture.terminal("a2", station: SyncFixture.stationA, officer: Self.bob)
        let report = try a1.store.createIncidentReport(NewIncidentReport(
            receivedAt: fixture.server.clock.now, receivingUnit: SyncFixture.stationA, category: "fraud",
            severity: "ordinary", narrative: "Phone scam"), by: Self.alice)
        try await a1.sync()
        try await a2.sync()

        try a1.store.edit(report.id, [.set("narrative", .string("Phone scam, NT$30,000 lost"))], by: Self.alice)
        try a2.store.edit(report.id, [.set("narrative", .string("Phone scam via LINE"))], by: Self.bob)
        try await a1.sync()
        let second = try await a2.sync()
        #expect(second.conflicted == [report.id])
        let first = try await a1.sync()
        #expect(first.conflicted == [report.id])
        for terminal in [a1, a2] {
            let conflict = try #require(try terminal.store.describeConflict(report.id))
            #expect(conflict.needsPerson)
            #expect(conflict.fields.map(\.name) == ["narrative"])
            #expect(Set(conflict.fields[0].candidates.map(\.author)) == [Self.alice, Self.bob])
        }
        let onServer = try await fixture.server.service.conflict(report.id)
        #expect(onServer?.needsPerson == true)

        try a2.store.resolveConflict(report.id, field: "narrative",
                                     value: .string("Phone scam via LINE, NT$30,000 lost"), by: Self.bob)
        try await a2.sync()
        try await a1.sync()
        for terminal in [a1, a2] {
            #expect(try terminal.store.describeConflict(report.id) == nil)
            #expect(try terminal.store.record(report.id)?["narrative"]?.singleValue == .string("Phone scam via LINE, NT$30,000 lost"))
            #expect(try await fixture.divergence(of: terminal) == [])
        }
        #expect(try await fixture.server.service.conflict(report.id) == nil)
        try await fixture.tearDown()
    }

    @Test func aTransferredIncidentReachesTheOtherStationWhileBothEditIt() async throws {
        let fixture = try await SyncFixture()
        let a1 = try await fixture.terminal("a1", station: SyncFixture.stationA)
        let b1 = try await fixture.terminal("b1", station: SyncFixture.stationB, officer: Self.carol)
        let report = try a1.store.createIncidentReport(NewIncidentReport(
            receivedAt: fixture.server.clock.now, receivingUnit: SyncFixture.stationA, category: "assault",
            severity: "major", narrative: "Fight outside a night market"), by: Self.alice)
        try await a1.sync()
        try await b1.sync()
        #expect(try b1.store.record(report.id) == nil, "not visible to B before the transfer")

        try a1.store.transfer(report.id, to: SyncFixture.stationB, reason: "jurisdiction", by: Self.alice)
        try await a1.sync()
        try await b1.sync()
        #expect(try b1.store.record(report.id)?["jurisdictionUnit"]?.singleValue == .string(SyncFixture.stationB.rawValue))

        // Both stations keep working on the case offline.
        try b1.store.edit(report.id, [.set("location", .string("Liuhe night market"))], by: Self.carol)
        try a1.store.addNote(to: report.id, "Witness called the receiving station", by: Self.alice)
        try await storm([a1, b1])
        try await storm([a1, b1])
        for terminal in [a1, b1] {
            let record = try #require(try terminal.store.record(report.id))
            #expect(record["location"]?.singleValue == .string("Liuhe night market"))
            #expect(record.state.entries("addenda").count == 1)
            #expect(try await fixture.divergence(of: terminal) == [])
        }
        try await fixture.tearDown()
    }

    @Test func anEditToACaseClosedMeanwhileIsRejectedAndKept() async throws {
        let fixture = try await SyncFixture()
        let a1 = try await fixture.terminal("a1", station: SyncFixture.stationA)
        let a2 = try await fixture.terminal("a2", station: SyncFixture.stationA, officer: Self.bob)
        let report = try a1.store.createIncidentReport(NewIncidentReport(
            receivedAt: fixture.server.clock.now, receivingUnit: SyncFixture.stationA, category: "vandalism",
            severity: "minor", narrative: "Graffiti on a wall"), by: Self.alice)
        try await a1.sync()
        try await a2.sync()

        for status in [IncidentReportStatus.investigating, .solved, .closed] {
            try a1.store.move(report.id, to: status, by: Self.alice)
        }
        try await a1.sync()
        try a2.store.edit(report.id, [.set("severity", .string("ordinary"))], by: Self.bob)
        let answer = try await a2.sync()

        #expect(answer.rejected == 1)
        let rejected = try a2.store.rejectedChanges()
        #expect(rejected.count == 1)
        #expect(rejected.first?.rejection.code == .locked)
        #expect(rejected.first?.localState.entries("severity").map(\.value) == [.string("ordinary")],
                "the refused value is kept for a person to act on")
        #expect(try a2.store.record(report.id)?.status == "closed")
        #expect(try a2.store.pendingPushCount() == 0)
        #expect(try await fixture.divergence(of: a2) == [])
        try await fixture.tearDown()
    }

    @Test func aRevokedTerminalWipesItsStoreOnItsNextSync() async throws {
        let fixture = try await SyncFixture()
        let a1 = try await fixture.terminal("a1", station: SyncFixture.stationA)
        try a1.store.createPatrolSignIn(NewPatrolSignIn(officers: [Self.alice], checkpoint: "CP-1", unit: SyncFixture.stationA,
                                                        signedAt: fixture.server.clock.now, method: .nfc), by: Self.alice)
        try await a1.sync()
        _ = try await fixture.server.service.revoke(try a1.store.identity!.replica, reason: "reported stolen")

        await #expect(throws: ClientError.self) { try await a1.sync() }
        #expect(!FileManager.default.fileExists(atPath: a1.store.path))
        #expect(!FileManager.default.fileExists(atPath: a1.store.keyringPath))
        #expect(throws: StoreError.self) { try a1.store.records() }
        try await fixture.tearDown()
    }

    @Test func aRoundInterruptedAfterTheServerAppliedThePushFinishesWithoutDuplicates() async throws {
        let fixture = try await SyncFixture()
        let flaky = LosesFirstAnswer(fixture.http)
        let a1 = try await fixture.terminal("a1", station: SyncFixture.stationA, transport: flaky)
        var ids: [RecordID] = []
        for index in 0..<2 {
            ids.append(try a1.store.createPatrolSignIn(NewPatrolSignIn(
                officers: [Self.alice], checkpoint: "CP-\(index)", unit: SyncFixture.stationA,
                signedAt: fixture.server.clock.now, method: .gps), by: Self.alice).id)
        }

        await #expect(throws: ClientError.self) { try await a1.sync() }
        #expect(try a1.store.pendingPushCount() == 2, "the answer was lost, so the writes are still pending")
        let report = try await a1.sync()
        #expect(report.accepted == 2)
        #expect(try a1.store.pendingPushCount() == 0)
        #expect(try await fixture.serverRecords(visibleTo: a1).count == 2)
        for id in ids {
            #expect(try await fixture.server.service.history(of: id, reason: "test").count == 1, "a re-pushed state is not a new change")
        }
        #expect(try await fixture.divergence(of: a1) == [])
        try await fixture.tearDown()
    }

    @Test func aRunningLowLeaseIsRenewedDuringSync() async throws {
        let fixture = try await SyncFixture { $0.service.leaseSize = 25 }
        let a1 = try await fixture.terminal("a1", station: SyncFixture.stationA)
        for _ in 0..<6 {
            try a1.store.createIncidentReport(NewIncidentReport(receivedAt: fixture.server.clock.now,
                                                                receivingUnit: SyncFixture.stationA, category: "other",
                                                                severity: "minor", narrative: "Lost wallet"), by: Self.alice)
        }
        #expect(try a1.store.leaseStatus.runningLow)
        let report = try await a1.sync()
        #expect(report.leaseRenewed)
        #expect(try a1.store.leaseStatus.remaining == 19 + 25)
        try await fixture.tearDown()
    }

    private func storm(_ terminals: [Terminal]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for terminal in terminals { group.addTask { try await terminal.sync() } }
            try await group.waitForAll()
        }
    }
}

/// Delivers the first sync to the server, then loses the answer, as a dropped connection would.
final class LosesFirstAnswer: SyncTransport {
    let inner: any SyncTransport
    let lost = LockedValue(false)

    init(_ inner: any SyncTransport) { self.inner = inner }

    func enroll(_ request: EnrollRequest) async throws(ClientError) -> EnrollResponse { try await inner.enroll(request) }

    func sync(_ request: SyncRequest, credential: String) async throws(ClientError) -> SyncResponse {
        let response = try await inner.sync(request, credential: credential)
        if lost.update({ lost in defer { lost = true }; return !lost }) {
            throw ClientError(.unreachable, "connection reset after the server answered")
        }
        return response
    }

    func lease(_ request: LeaseRequest, credential: String) async throws(ClientError) -> LeaseResponse {
        try await inner.lease(request, credential: credential)
    }
}
