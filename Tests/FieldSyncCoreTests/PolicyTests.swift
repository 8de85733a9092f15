import FieldSyncCore
import Testing

/// Local writes and joins under each merge policy, on the real record types.
@Suite("Merge policies")
struct PolicyTests {
    static let base = Fixtures.visit()

    @Test("lastWriterWins picks the highest stamp and keeps the loser visible")
    func lastWriterWins() throws {
        let schema = RecordSchema.householdVisit
        let a = try schema.apply([.set("outcome", "met")], to: Self.base, origin: Fixtures.origin("T2", wall: 2_000))
        let b = try schema.apply([.set("outcome", "refused")], to: Self.base, origin: Fixtures.origin("T3", wall: 1_000))
        let joined = a.joined(with: b)
        #expect(joined.entries("outcome").count == 2)
        #expect(schema.effectiveValue(of: "outcome", in: joined) == .value("met"))
        let conflict = try #require(schema.conflicts(in: joined)?.fields.first)
        #expect(conflict.name == "outcome" && conflict.policy == "lastWriterWins")
        #expect(conflict.decision == .decided(winner: Dot(ReplicaID("T2"), 1), rule: "the latest stamp wins (then replica id)"))
        // A later write that saw both covers both.
        let resolved = try schema.apply([.set("outcome", "notAtHome")], to: joined, origin: Fixtures.origin("T2", wall: 3_000))
        #expect(resolved.entries("outcome").count == 1)
        #expect(schema.conflicts(in: resolved) == nil)
    }

    @Test("equal stamps fall back to replica id order")
    func lastWriterWinsTieBreak() throws {
        let schema = RecordSchema.householdVisit
        let a = try schema.apply([.set("outcome", "met")], to: Self.base, origin: Fixtures.origin("T2", wall: 1_000))
        let b = try schema.apply([.set("outcome", "refused")], to: Self.base, origin: Fixtures.origin("T3", wall: 1_000))
        #expect(schema.effectiveValue(of: "outcome", in: a.joined(with: b)) == .value("refused"))
    }

    @Test("manual fields keep concurrent values as a conflict until a covering write resolves it")
    func manual() throws {
        let schema = RecordSchema.incidentReport
        let base = Fixtures.incident()
        let a = try schema.apply([.set("narrative", "stolen scooter, red")], to: base, origin: Fixtures.origin("T2", wall: 5_000))
        let b = try schema.apply([.set("narrative", "stolen scooter, blue")], to: base, origin: Fixtures.origin("T3", wall: 6_000))
        let joined = a.joined(with: b)
        guard case .undecided(let candidates)? = schema.effectiveValue(of: "narrative", in: joined) else {
            Issue.record("narrative should be undecided"); return
        }
        #expect(candidates.map(\.value) == ["stolen scooter, red", "stolen scooter, blue"])
        let description = try #require(schema.conflicts(in: joined))
        #expect(description.needsPerson)
        #expect(description.fields.map(\.name) == ["narrative"])
        #expect(description.fields[0].candidates.map(\.author) == [OfficerID("B2"), OfficerID("B3")])
        let resolved = try schema.apply([.set("narrative", "stolen scooter, red and blue")], to: joined,
                                        origin: Fixtures.origin("T1", wall: 7_000))
        #expect(schema.conflicts(in: resolved) == nil)
        // The resolution reaches a replica that still holds one side and wins there too.
        #expect(b.joined(with: resolved) == resolved.joined(with: b))
        #expect(schema.effectiveValue(of: "narrative", in: b.joined(with: resolved)) == .value("stolen scooter, red and blue"))
    }

    @Test("lifecycle: the furthest state wins among concurrent moves")
    func lifecycleFurthestWins() throws {
        let schema = RecordSchema.householdVisit
        let submitted = try schema.apply([.set("status", "submitted")], to: Self.base, origin: Fixtures.origin("T1", wall: 2_000))
        let back = try schema.apply([.set("status", "draft")], to: submitted, origin: Fixtures.origin("T2", wall: 9_000))
        let reviewed = try schema.apply([.set("status", "reviewed"), .set("reviewer", "B900")], to: submitted,
                                        origin: Fixtures.origin("T3", wall: 3_000))
        let joined = back.joined(with: reviewed)
        #expect(schema.effectiveValue(of: "status", in: joined) == .value("reviewed"))
        #expect(schema.conflicts(in: joined)?.fields.first { $0.name == "status" }?.decision
            == .decided(winner: Dot(ReplicaID("T3"), 1), rule: "the furthest lifecycle state wins"))
        #expect(schema.isLocked(joined))
    }

    @Test("addWinsSet: a concurrent add beats a remove; a remove that saw the add wins")
    func addWinsSet() throws {
        let schema = RecordSchema.householdVisit
        let flagged = try schema.apply([.add("followUps", "revisit")], to: Self.base, origin: Fixtures.origin("T1", wall: 2_000))
        let removed = try schema.apply([.remove("followUps", "revisit")], to: flagged, origin: Fixtures.origin("T2", wall: 3_000))
        let readded = try schema.apply([.add("followUps", "revisit")], to: flagged, origin: Fixtures.origin("T3", wall: 2_500))
        #expect(schema.effectiveValue(of: "followUps", in: removed) == nil)
        #expect(schema.effectiveValue(of: "followUps", in: removed.joined(with: readded)) == .set(["revisit"]))
        #expect(schema.effectiveValue(of: "followUps", in: removed.joined(with: flagged)) == nil)
        // A remove still consumes a dot, so the outbox (derived from the vector) sees it.
        #expect(removed.context[ReplicaID("T2")] == 1)
    }

    @Test("appendLog: entries from several officers are all kept, ordered by stamp")
    func appendLog() throws {
        let schema = RecordSchema.householdVisit
        let a = try schema.apply([.append("notes", "door closed")], to: Self.base, origin: Fixtures.origin("T2", wall: 4_000))
        let b = try schema.apply([.append("notes", "neighbour says moved")], to: Self.base, origin: Fixtures.origin("T3", wall: 3_000))
        guard case .log(let entries)? = schema.effectiveValue(of: "notes", in: a.joined(with: b)) else {
            Issue.record("notes should be a log"); return
        }
        #expect(entries.map(\.value) == ["neighbour says moved", "door closed"])
        #expect(entries.map(\.author) == [OfficerID("B3"), OfficerID("B2")])
        #expect(schema.conflicts(in: a.joined(with: b)) == nil)
    }

    @Test("a reviewed visit accepts notes but nothing else")
    func lockAllowsAddenda() throws {
        let schema = RecordSchema.householdVisit
        let reviewed = try schema.apply([.set("status", "submitted")], to: Self.base, origin: Fixtures.origin("T1", wall: 2_000))
            .applying(schema, [.set("status", "reviewed"), .set("reviewer", "B900")], Fixtures.origin("T1", wall: 3_000))
        let noted = try schema.apply([.append("notes", "supervisor: ok")], to: reviewed, origin: Fixtures.origin("T1", wall: 4_000))
        #expect(noted.entries("notes").count == 1)
        #expect(throws: Rejection.self) {
            try schema.apply([.set("outcome", "refused")], to: reviewed, origin: Fixtures.origin("T1", wall: 5_000))
        }
    }
}

extension RecordState {
    func applying(_ schema: RecordSchema, _ operations: [FieldOperation], _ origin: WriteOrigin) throws -> RecordState {
        try schema.apply(operations, to: self, origin: origin)
    }
}

@Test("one write may add several set elements and log entries: each further value takes its own dot")
func severalValuesInOneWrite() throws {
    let schema = RecordSchema.householdVisit
    let state = try schema.apply([.add("followUps", "revisit"), .add("followUps", "detectiveReferral"),
                                  .append("notes", "one"), .append("notes", "two"), .set("outcome", "met")],
                                 to: Fixtures.visit(), origin: Fixtures.origin("T2", wall: 1))
    #expect(schema.wellFormednessProblem(of: state) == nil)
    #expect(state.entries("followUps").count == 2 && state.entries("notes").count == 2)
    #expect(state.context[ReplicaID("T2")] == 3)
    guard case .log(let notes)? = schema.effectiveValue(of: "notes", in: state) else { Issue.record(); return }
    #expect(notes.map(\.value) == ["one", "two"])
}
