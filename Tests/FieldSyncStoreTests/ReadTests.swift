import FieldSyncCore
import Foundation
@testable import FieldSyncStore
import Testing

@Suite("Reading, filtering and observing")
struct ReadTests {
    @Test("lists filter by type, unit (and below), status, time ranges, conflicts and the outbox")
    func filters() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let start = fixture.clock.now
        let visitA = try store.createHouseholdVisit(StoreFixture.visit(beat: "KH.P03.S012.B0456"), by: StoreFixture.officer)
        fixture.clock.advance(milliseconds: 10)
        let visitB = try store.createHouseholdVisit(StoreFixture.visit(beat: "KH.P03.S013.B0001"), by: StoreFixture.officer)
        fixture.clock.advance(milliseconds: 10)
        let signIn = try store.createPatrolSignIn(StoreFixture.signIn(unit: "KH.P03.S012"), by: StoreFixture.officer)
        fixture.clock.advance(milliseconds: 10)
        try store.move(visitA.id, to: .submitted, by: StoreFixture.officer)

        #expect(try store.records().map(\.id) == [visitA.id, signIn.id, visitB.id])
        #expect(try store.records(RecordFilter(types: [.householdVisit])).map(\.id) == [visitA.id, visitB.id])
        #expect(try Set(store.records(RecordFilter(unit: UnitID("KH.P03.S012"))).map(\.id)) == [visitA.id, signIn.id])
        // A unit code that is a prefix of another unit's code does not match it.
        #expect(try store.records(RecordFilter(unit: UnitID("KH.P03.S01"))).isEmpty)
        #expect(try store.records(RecordFilter(statuses: ["submitted"])).map(\.id) == [visitA.id])
        #expect(try store.records(RecordFilter(created: start + 5 ..< start + 15)).map(\.id) == [visitB.id])
        #expect(try store.records(RecordFilter(updated: start + 25 ..< start + 100)).map(\.id) == [visitA.id])
        #expect(try store.records(RecordFilter(types: [.householdVisit], limit: 1)).map(\.id) == [visitA.id])
        #expect(try store.records(RecordFilter(conflictedOnly: true)).isEmpty)
        #expect(try store.count(RecordFilter(pendingPushOnly: true)) == 3)
    }

    @Test("observing yields the current records, then again after each write")
    func observes() async throws {
        let fixture = try StoreFixture()
        var iterator = fixture.store.observeRecords(RecordFilter(types: [.patrolSignIn])).makeAsyncIterator()
        #expect(try await iterator.next()?.count == 0)
        let signIn = try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer)
        #expect(try await iterator.next()?.map(\.id) == [signIn.id])
        try fixture.store.void(signIn.id, reason: "mistake", by: StoreFixture.officer)
        #expect(try await iterator.next()?.first?.status == "voided")

        var one = fixture.store.observeRecord(signIn.id).makeAsyncIterator()
        #expect(try await one.next()??.status == "voided")
    }
}
