import FieldSyncCore
@testable import FieldSyncStore
import Testing

@Suite("Conflicts")
struct ConflictTests {
    static let peer = ReplicaID("T-KH-0002")

    /// An incident report whose narrative was edited here and, concurrently, by a peer.
    func conflictedReport(_ fixture: StoreFixture) throws -> (RecordID, AppliedPage) {
        let report = try fixture.store.createIncidentReport(StoreFixture.incident(), by: StoreFixture.officer)
        let theirs = try StoreFixture.remoteEdit(report.state, [.set("narrative", "Red bicycle stolen"), .set("location", "Gate B")],
                                                 replica: Self.peer, wall: fixture.clock.now + 1)
        fixture.clock.advance(milliseconds: 2)
        try fixture.store.edit(report.id, [.set("narrative", "Blue bicycle stolen"), .set("location", "Gate A")],
                               by: StoreFixture.officer)
        return (report.id, try fixture.store.apply(page: StoreFixture.page([theirs], cursor: "c-1")))
    }

    @Test("concurrent manual edits become a conflict that is listed and described with authors, devices and stamps")
    func describesConflict() throws {
        let fixture = try StoreFixture()
        let (id, applied) = try conflictedReport(fixture)
        #expect(applied.becameConflicted == [id])
        #expect(try fixture.store.conflictedRecords().map(\.id) == [id])
        #expect(try fixture.store.records(RecordFilter(conflictedOnly: true)).map(\.id) == [id])

        let description = try #require(try fixture.store.describeConflict(id))
        #expect(description.needsPerson)
        let narrative = try #require(description.fields.first { $0.name == "narrative" })
        #expect(narrative.policy == "manual")
        #expect(narrative.decision == .needsPerson)
        #expect(narrative.candidates.map(\.value) == ["Red bicycle stolen", "Blue bicycle stolen"])
        #expect(narrative.candidates.map(\.author) == [StoreFixture.otherOfficer, StoreFixture.officer])
        #expect(narrative.candidates.map(\.dot.replica) == [Self.peer, StoreFixture.replica])
        #expect(narrative.candidates[0].stamp < narrative.candidates[1].stamp)
    }

    @Test("automatic resolutions are listed with the rule that decided them")
    func listsAutoResolved() throws {
        let fixture = try StoreFixture()
        let (id, _) = try conflictedReport(fixture)
        let resolved = try fixture.store.autoResolved()
        #expect(resolved.map(\.id) == [id])
        let location = try #require(resolved[0].fields.first)
        #expect(resolved[0].fields.map(\.name) == ["location"])
        #expect(location.decision == .decided(winner: Dot(StoreFixture.replica, 2), rule: "the latest stamp wins (then replica id)"))
        #expect(try fixture.store.record(id)?["location"] == .value("Gate A"))
    }

    @Test("choosing a competing value resolves the conflict with a write covering both; the resolution is pushed")
    func resolvesByChoosing() throws {
        let fixture = try StoreFixture()
        let (id, _) = try conflictedReport(fixture)
        let red = try #require(try fixture.store.describeConflict(id)?.fields.first { $0.name == "narrative" }?.candidates[0])
        try fixture.signIn(StoreFixture.supervisor)
        let resolved = try fixture.store.resolveConflict(id, field: "narrative", choosing: red.dot, by: OfficerID("C00001"))
        #expect(resolved["narrative"] == .value("Red bicycle stolen"))
        #expect(resolved.conflicted == false)
        #expect(resolved.state.entries("narrative").count == 1)
        #expect(resolved.state.entries("narrative")[0].author == OfficerID("C00001"))
        #expect(try fixture.store.conflictedRecords().isEmpty)
        #expect(try fixture.store.pendingPush().map(\.id) == [id])
        #expect(storeError { try fixture.store.resolveConflict(id, field: "narrative", choosing: red.dot, by: StoreFixture.supervisor) }?.code == .notFound)
    }

    @Test("writing a new value resolves the conflict too")
    func resolvesByNewValue() throws {
        let fixture = try StoreFixture()
        let (id, _) = try conflictedReport(fixture)
        let resolved = try fixture.store.resolveConflict(id, field: "narrative", value: "Red and blue bicycles stolen", by: StoreFixture.officer)
        #expect(resolved["narrative"] == .value("Red and blue bicycles stolen"))
        #expect(try fixture.store.describeConflict(id)?.needsPerson != true)
    }
}
