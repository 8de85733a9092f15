import FieldSyncCore
import Foundation
@testable import FieldSyncStore
import Testing

@Suite("Local writes")
struct WriteTests {
    @Test("creating each record type stores it with the officer, this replica's first dot and a clock stamp")
    func createsEachType() throws {
        let fixture = try StoreFixture()
        let signIn = try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        fixture.clock.advance(milliseconds: 5)
        try fixture.signIn(StoreFixture.otherOfficer)
        let visit = try fixture.store.createHouseholdVisit(StoreFixture.visit(), by: StoreFixture.otherOfficer)
        try fixture.signIn(StoreFixture.officer)
        let report = try fixture.store.createIncidentReport(StoreFixture.incident(), by: StoreFixture.officer)

        #expect(signIn.status == "valid")
        #expect(visit.status == "draft")
        #expect(report.status == "receiptIssued")
        #expect(report["receiptNumber"] == .value("KH.P03.S012-0000001"))
        #expect(visit["subjectName"] == .value("王小明"))
        for record in [signIn, visit, report] {
            #expect(record.state.context == VersionVector([StoreFixture.replica: 1]))
            #expect(record.pendingPush)
            #expect(try fixture.store.record(record.id) == record)
        }
        let entry = visit.state.entries("household")[0]
        #expect(entry.author == StoreFixture.otherOfficer)
        #expect(entry.dot == Dot(StoreFixture.replica, 1))
        #expect(entry.stamp.wall == fixture.clock.now)
        // Stamps never repeat, even within one millisecond.
        #expect(report.state.entries("narrative")[0].stamp > entry.stamp)
        #expect(try fixture.store.pendingPushCount() == 3)
    }

    @Test("edits, notes, set elements, lifecycle moves and voids each take the next dot")
    func changesTakeNextDots() throws {
        let fixture = try StoreFixture()
        let visit = try fixture.store.createHouseholdVisit(StoreFixture.visit(), by: StoreFixture.officer)
        try fixture.store.edit(visit.id, [.set("outcome", "met"), .clear("subjectPhone")], by: StoreFixture.officer)
        try fixture.signIn(StoreFixture.otherOfficer)
        try fixture.store.addNote(to: visit.id, "Neighbour says she is well", by: StoreFixture.otherOfficer)
        try fixture.signIn(StoreFixture.officer)
        try fixture.store.addElement("revisit", to: "followUps", of: visit.id, by: StoreFixture.officer)
        try fixture.store.addElement("supervisorReview", to: "followUps", of: visit.id, by: StoreFixture.officer)
        try fixture.store.removeElement("revisit", from: "followUps", of: visit.id, by: StoreFixture.officer)
        try fixture.store.move(visit.id, to: .submitted, by: StoreFixture.officer)
        try fixture.signIn(StoreFixture.supervisor)
        let reviewed = try fixture.store.move(visit.id, to: .reviewed, with: [.set("reviewer", "C00001")], by: OfficerID("C00001"))
        try fixture.signIn(StoreFixture.officer)

        #expect(reviewed.state.context[StoreFixture.replica] == 8)
        #expect(reviewed["outcome"] == .value("met"))
        #expect(reviewed["subjectPhone"] == nil)
        #expect(reviewed["followUps"] == .set(["supervisorReview"]))
        #expect(reviewed.status == "reviewed")
        guard case .log(let notes)? = reviewed["notes"] else { Issue.record("no notes"); return }
        #expect(notes.map(\.value) == ["Neighbour says she is well"])
        #expect(notes[0].author == StoreFixture.otherOfficer)

        // Reviewed locks the visit: edits are rejected by the core rules, notes still go in.
        #expect(throws: Rejection.self) { try fixture.store.edit(visit.id, [.set("outcome", "refused")], by: StoreFixture.officer) }
        let noted = try fixture.store.addNote(to: visit.id, "Follow-up call made", by: StoreFixture.officer)
        #expect(noted.state.context[StoreFixture.replica] == 9)
    }

    @Test("transfer logs the move, changes jurisdiction and status; void needs a reason and locks")
    func transferAndVoid() throws {
        let fixture = try StoreFixture()
        let report = try fixture.store.createIncidentReport(StoreFixture.incident(), by: StoreFixture.officer)
        let moved = try fixture.store.transfer(report.id, to: UnitID("KH.P04.S001"), reason: "jurisdiction", by: StoreFixture.officer)
        #expect(moved.status == "transferred")
        #expect(moved["jurisdictionUnit"] == .value("KH.P04.S001"))
        #expect(try fixture.store.records(RecordFilter(unit: UnitID("KH.P04"))).map(\.id) == [report.id])

        let signIn = try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        let voided = try fixture.store.void(signIn.id, reason: "wrong checkpoint scanned", by: StoreFixture.officer)
        #expect(voided.status == "voided")
        #expect(voided["voidReason"] == .value("wrong checkpoint scanned"))
        #expect(throws: Rejection.self) { try fixture.store.edit(signIn.id, [.set("voidReason", "other")], by: StoreFixture.officer) }
    }

    @Test("a write the core rules reject stores nothing: no record, no outbox entry, no clock tick")
    func rejectedWriteStoresNothing() throws {
        let fixture = try StoreFixture()
        let signIn = try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        try fixture.store.acknowledge(pushed: [signIn.state], response: PushResponse(
            batchID: "b1", results: [RecordResult(id: signIn.id, outcome: .accepted(seq: 1))], serverTime: fixture.clock.now))
        let clockBefore = try fixture.store.clock()
        fixture.clock.advance(milliseconds: 1_000)

        var bad = StoreFixture.visit()
        bad.subjectNationalID = "not-an-id"
        #expect(throws: Rejection.self) { try fixture.store.createHouseholdVisit(bad, by: StoreFixture.officer) }
        let error = #expect(throws: Rejection.self) {
            try fixture.store.edit(signIn.id, [.set("checkpoint", "OTHER")], by: StoreFixture.officer)
        }
        #expect(error?.code == .immutableField)
        #expect(throws: Rejection.self) { try fixture.store.void(signIn.id, reason: "", by: StoreFixture.officer) }

        #expect(try fixture.store.count() == 1)
        #expect(try fixture.store.pendingPushCount() == 0)
        #expect(try fixture.store.record(signIn.id) == signIn.with(pendingPush: false))
        #expect(try fixture.store.clock() == clockBefore)
    }

    @Test("after the server's time corrects the clock, local stamps follow the server")
    func clockCorrection() throws {
        let fixture = try StoreFixture()
        let before = try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        let ahead = fixture.clock.now + 60_000
        try fixture.store.correctClock(serverTime: ahead)
        let after = try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        #expect(after.state.entries("unit")[0].stamp == HLCTimestamp(wall: ahead))
        #expect(before.state.entries("unit")[0].stamp < after.state.entries("unit")[0].stamp)
        // A server a little behind (within the clock's forward drift) moves the physical clock, but
        // stamps keep increasing.
        try fixture.store.correctClock(serverTime: fixture.clock.now - 60_000)
        let next = try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        #expect(next.state.entries("unit")[0].stamp > after.state.entries("unit")[0].stamp)
        // A server far behind: the terminal's clock had run ahead beyond the drift the server tolerates,
        // so it steps back once to the server's time (SPEC 2.5); otherwise every new write would be
        // refused as clockSkew until real time caught up. From there stamps increase again.
        let serverTime = fixture.clock.now - 3_600_000
        try fixture.store.correctClock(serverTime: serverTime)
        let later = try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        #expect(later.state.entries("unit")[0].stamp.wall == serverTime)
        let latest = try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        #expect(latest.state.entries("unit")[0].stamp > later.state.entries("unit")[0].stamp)
        #expect(try fixture.store.clock().correction == -3_600_000)
    }

    @Test("writes need an enrolled identity; unknown records are .notFound")
    func needsEnrollmentAndRecord() throws {
        let fixture = try StoreFixture(enrolled: false)
        #expect(storeError { try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer) }?.code == .notEnrolled)
        try fixture.store.saveEnrollment(StoreFixture.enrollment())
        #expect(storeError { try fixture.store.addNote(to: RecordID("nope"), "x", by: StoreFixture.officer) }?.code == .notFound)
        #expect(storeError { try fixture.store.saveEnrollment(StoreFixture.enrollment(replica: ReplicaID("T-2"))) }?.code == .alreadyEnrolled)
        #expect(try fixture.store.identity?.replica == StoreFixture.replica)
    }
}

extension StoredRecord {
    func with(pendingPush: Bool) -> StoredRecord {
        var copy = self
        copy.pendingPush = pendingPush
        return copy
    }
}
