import FieldSyncCore
import Foundation
@testable import FieldSyncStore
import Testing

@Suite("Outbox, acknowledgements, rejections and pulled pages")
struct SyncTests {
    static let peer = ReplicaID("T-KH-0002")

    @Test("the outbox holds records with unacknowledged writes; acknowledging keeps later writes pending")
    func outboxAndAcknowledge() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let a = try store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        let b = try store.createHouseholdVisit(StoreFixture.visit(), by: StoreFixture.officer)
        #expect(try store.pendingPush(limit: 1).map(\.id) == [a.id])
        let pushed = try store.pendingPush()
        #expect(pushed.map(\.id) == [a.id, b.id])
        // Pushed states carry sensitive values in the clear: the server validates them.
        #expect(pushed[1].entries("subjectName")[0].value == "王小明")

        // A write made while the push is in flight stays pending after the acknowledgement.
        try store.addNote(to: b.id, "late note", by: StoreFixture.officer)
        try store.acknowledge(pushed: pushed, response: PushResponse(batchID: "b1", results: [
            RecordResult(id: a.id, outcome: .accepted(seq: 10)), RecordResult(id: b.id, outcome: .accepted(seq: 11)),
        ], serverTime: fixture.clock.now))
        #expect(try store.pendingPush().map(\.id) == [b.id])
        #expect(try store.pendingPush()[0].context[StoreFixture.replica] == 2)
        #expect(try store.record(a.id)?.pendingPush == false)

        // A replayed acknowledgement changes nothing.
        try store.acknowledge(pushed: pushed, response: PushResponse(batchID: "b1", results: [
            RecordResult(id: a.id, outcome: .accepted(seq: 10)),
        ], serverTime: fixture.clock.now))
        #expect(try store.pendingPushCount() == 1)
        #expect(storeError {
            try store.acknowledge(pushed: [], response: PushResponse(batchID: "b2", results: [
                RecordResult(id: a.id, outcome: .accepted(seq: 1))], serverTime: 0))
        }?.code == .invalidSyncInput)
    }

    @Test("a rejection keeps reason and local values, rolls back to the server's state and never reuses a dot")
    func rejectionWithCurrent() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let report = try store.createIncidentReport(StoreFixture.incident(), by: StoreFixture.officer)
        try store.acknowledge(pushed: [report.state], response: PushResponse(batchID: "b1", results: [
            RecordResult(id: report.id, outcome: .accepted(seq: 1))], serverTime: 0))
        let edited = try store.edit(report.id, [.set("severity", "major"), .set("reporterContact", "0988-777-666")],
                                    by: StoreFixture.officer)
        let serverState = report.state   // the server holds only the creating write
        let rejection = Rejection(.outOfScope, fields: ["severity"], message: "not yours to change")
        try store.acknowledge(pushed: try store.pendingPush(), response: PushResponse(batchID: "b2", results: [
            RecordResult(id: report.id, outcome: .rejected(rejection, current: serverState))], serverTime: 0))

        let rejected = try store.rejectedChanges()
        #expect(rejected.count == 1)
        #expect(rejected[0].rejection == rejection)
        #expect(rejected[0].localState == edited.state)
        #expect(rejected[0].serverState == serverState)
        let rolledBack = try #require(try store.record(report.id))
        #expect(rolledBack["severity"] == .value("minor"))
        #expect(rolledBack.pendingPush == false)
        #expect(rolledBack.state.context[StoreFixture.replica] == 2)
        let next = try store.edit(report.id, [.set("location", "Main St 1")], by: StoreFixture.officer)
        #expect(next.state.entries("location")[0].dot == Dot(StoreFixture.replica, 3))
    }

    @Test("a rejection without a server state removes the record but keeps it among rejected changes")
    func rejectionWithoutCurrent() throws {
        let fixture = try StoreFixture()
        let visit = try fixture.store.createHouseholdVisit(StoreFixture.visit(beat: "KH.P09.S001.B0001"), by: StoreFixture.officer)
        try fixture.store.acknowledge(pushed: [visit.state], response: PushResponse(batchID: "b1", results: [
            RecordResult(id: visit.id, outcome: .rejected(Rejection(.outOfScope, message: "beat outside scope"), current: nil))],
            serverTime: 0))
        #expect(try fixture.store.record(visit.id) == nil)
        #expect(try fixture.store.pendingPushCount() == 0)
        let kept = try fixture.store.rejectedChanges()
        #expect(kept.map(\.localState) == [visit.state])
        #expect(kept[0].localState.entries("subjectNationalID")[0].value == "A123456789")
    }

    @Test("a page is joined into local states and its cursor stored; re-applying it changes nothing")
    func appliesPage() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let local = try store.createHouseholdVisit(StoreFixture.visit(), by: StoreFixture.officer)
        let theirs = try StoreFixture.remoteEdit(local.state, [.append("notes", "peer note"), .add("followUps", "revisit"),
                                                                  .set("subjectPhone", "0933-111-222")],
                                                 replica: Self.peer, wall: fixture.clock.now + 5)
        try store.addNote(to: local.id, "my note", by: StoreFixture.officer)
        let fresh = try StoreFixture.remoteCreate(.patrolSignIn, id: "peer-1", StoreFixture.signIn().operations,
                                                  replica: Self.peer, wall: fixture.clock.now)
        #expect(try store.checkpoint == nil)

        let applied = try store.apply(page: StoreFixture.page([theirs, fresh], cursor: "c-1"))
        #expect(applied.inserted == [fresh.id])
        #expect(applied.updated == [local.id])
        #expect(applied.becameConflicted.isEmpty)
        #expect(try store.checkpoint == "c-1")
        let joined = try #require(try store.record(local.id))
        guard case .log(let notes)? = joined["notes"] else { Issue.record("no notes"); return }
        #expect(Set(notes.map(\.value)) == ["peer note", "my note"])
        #expect(joined["followUps"] == .set(["revisit"]))
        // Sensitive values held before stay readable; the peer's new one is sealed and readable too.
        #expect(joined["subjectName"] == .value("王小明"))
        #expect(joined["subjectPhone"] == .value("0933-111-222"))
        #expect(storeBytes(fixture.directory).range(of: Data("0933-111-222".utf8)) == nil)
        #expect(joined.pendingPush)   // our note is still unacknowledged
        #expect(try store.record(fresh.id)?.pendingPush == false)
        // The clock has observed the page's stamps.
        #expect(try store.clock().last > theirs.latestStamp)

        let again = try store.apply(page: StoreFixture.page([theirs, fresh], cursor: "c-2"))
        #expect(again.unchanged == 2 && again.inserted.isEmpty && again.updated.isEmpty)
        #expect(try store.checkpoint == "c-2")
    }

    @Test("a record repeated in one page keeps what every copy brings")
    func repeatedRecordInPage() throws {
        let fixture = try StoreFixture()
        let base = try StoreFixture.remoteCreate(.householdVisit, id: "peer-1", StoreFixture.visit().operations,
                                                 replica: Self.peer, wall: fixture.clock.now)
        let first = try StoreFixture.remoteEdit(base, [.append("notes", "first")], replica: Self.peer, wall: fixture.clock.now + 1)
        let other = try StoreFixture.remoteEdit(base, [.append("notes", "other")], replica: ReplicaID("T-KH-0003"),
                                                wall: fixture.clock.now + 2)
        let applied = try fixture.store.apply(page: StoreFixture.page([first, other], cursor: "c-1"))
        #expect(applied.inserted == [base.id])
        guard case .log(let notes)? = try fixture.store.record(base.id)?["notes"] else { Issue.record("no notes"); return }
        #expect(notes.map(\.value) == ["first", "other"])
    }

    @Test("a page bringing back a state this round pushed and the server accepted is not read again; a later local write stays")
    func acceptedEchoesAreNotReadAgain() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let visit = try store.createHouseholdVisit(StoreFixture.visit(), by: StoreFixture.officer)
        let other = try store.createHouseholdVisit(StoreFixture.visit(name: "Other"), by: StoreFixture.officer)
        let pushed = try store.pendingPush()
        try store.acknowledge(pushed: pushed, response: PushResponse(batchID: "b1", results: [
            RecordResult(id: visit.id, outcome: .accepted(seq: 1)), RecordResult(id: other.id, outcome: .accepted(seq: 2)),
        ], serverTime: fixture.clock.now))
        // Written while the round was in flight: the echo must not take it back.
        let noted = try store.addNote(to: visit.id, "written meanwhile", by: StoreFixture.officer)
        // The visit's row is made unreadable: applying its echo must not need it.
        try store.pool.write { db in
            try db.execute(sql: "UPDATE record SET state = X'02' WHERE id = ?", arguments: [visit.id.rawValue])
        }
        let page = StoreFixture.page(pushed, cursor: "c-1")
        #expect(storeError { _ = try store.apply(page: page) as AppliedPage }?.code == .corrupted, "read without the echo")
        let echoOfOther = try StoreFixture.remoteEdit(other.state, [.append("notes", "a peer's note")], wall: StoreFixture.start + 5)
        let applied: AppliedPage = try store.apply(page: StoreFixture.page([pushed[0], echoOfOther], cursor: "c-1"), accepted: pushed)
        #expect(applied.unchanged == 1)
        #expect(applied.updated == [other.id], "a state that differs from the one pushed is joined as any other")
        #expect(try store.checkpoint == "c-1")
        #expect(try store.record(other.id)?.state == other.state.joined(with: echoOfOther))

        try store.pool.write { db in   // restore the visit's row as it was written
            try store.write(try store.prepareRow(noted.state, schema: noted.schema, replica: StoreFixture.replica, acknowledged: 1), db)
        }
        #expect(try store.record(visit.id)?.state == noted.state)
        #expect(try store.pendingPush().map(\.id) == [visit.id], "the note written meanwhile is still to push")
    }

    @Test("our own writes held by a pulled state count as acknowledged")
    func pulledOwnWritesAreAcknowledged() throws {
        let fixture = try StoreFixture()
        let signIn = try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        try fixture.store.apply(page: StoreFixture.page([signIn.state], cursor: "c-1"))
        #expect(try fixture.store.pendingPushCount() == 0)
    }

    @Test("records of unknown types or malformed states are held, sealed, and reported; the rest applied")
    func skipsBadRecords() throws {
        let fixture = try StoreFixture()
        let good = try StoreFixture.remoteCreate(.patrolSignIn, id: "peer-1", StoreFixture.signIn().operations, wall: fixture.clock.now)
        var unknown = good
        unknown.type = RecordType("trafficTicket")
        unknown.id = RecordID("peer-2")
        var malformed = good
        malformed.id = RecordID("peer-3")
        malformed.context = VersionVector()
        let applied = try fixture.store.apply(page: StoreFixture.page([unknown, malformed, good], cursor: "c-9"))
        #expect(applied.inserted == [good.id])
        #expect(applied.skipped.map(\.rejection.code) == [.unknownRecordType, .malformedState])
        #expect(try fixture.store.count() == 1)
        #expect(try fixture.store.checkpoint == "c-9")
        // The checkpoint moved past them, but nothing the server sent is lost: they are held whole.
        let held = try fixture.store.heldRecords()
        #expect(held.map(\.state) == [unknown, malformed])
        #expect(held.map(\.reason.code) == [.unknownRecordType, .malformedState])
        #expect(held.allSatisfy { $0.cursor == "c-9" })
    }
}

@Suite("Pulled states that disagree")
struct DisagreementTests {
    @Test("a pulled state whose dot names a different write is held, not joined; the local state is untouched")
    func heldNotJoined() throws {
        let fixture = try StoreFixture()
        let good = try StoreFixture.remoteCreate(.patrolSignIn, id: "peer-1", StoreFixture.signIn().operations, wall: fixture.clock.now)
        try fixture.store.apply(page: StoreFixture.page([good], cursor: "c-1"))
        let before = try fixture.store.record(good.id)?.state
        var forged = good
        forged.fields["checkpoint"]![0].value = "CP-FORGED"
        let applied = try fixture.store.apply(page: StoreFixture.page([forged], cursor: "c-2"))
        #expect(applied.skipped.map(\.rejection.code) == [.malformedState])
        #expect(try fixture.store.record(good.id)?.state == before)
        #expect(try fixture.store.heldRecords().map(\.state) == [forged])
        #expect(try fixture.store.checkpoint == "c-2")
    }
}
