import FieldSyncCore
import Testing

/// Every rejection code, produced the way a terminal or the server would meet it.
@Suite("Rejections")
struct RejectionTests {
    let visit = RecordSchema.householdVisit
    let incident = RecordSchema.incidentReport
    let signIn = RecordSchema.patrolSignIn

    func rejection(_ body: () throws -> Void) -> Rejection? {
        do { try body(); return nil } catch let rejection as Rejection { return rejection } catch { return nil }
    }

    @Test("unknownRecordType and unsupportedSchemaVersion come from the registry")
    func registry() {
        var state = Fixtures.visit()
        state.type = RecordType("trafficTicket")
        guard case .failure(let unknown) = SchemaRegistry.standard.schema(for: state) else { Issue.record(); return }
        #expect(unknown.code == .unknownRecordType)
        var future = Fixtures.visit()
        future.schemaVersion = 9
        guard case .failure(let version) = SchemaRegistry.standard.schema(for: future) else { Issue.record(); return }
        #expect(version.code == .unsupportedSchemaVersion)
    }

    @Test("unknownField names the field")
    func unknownField() {
        let rejected = rejection { _ = try visit.apply([.set("colour", "red")], to: Fixtures.visit(), origin: Fixtures.origin("T1", wall: 1)) }
        #expect(rejected?.code == .unknownField && rejected?.fields == ["colour"])
        var state = Fixtures.visit()
        state.fields["colour"] = state.fields["household"]
        guard case .failure(let pushed) = visit.admit(state, onto: nil, writer: ReplicaID("T1")) else { Issue.record(); return }
        #expect(pushed.code == .unknownField && pushed.fields == ["colour"])
    }

    @Test("invalidValue for wrong kinds, codes, ranges and malformed personal data", arguments: [
        ("outcome", FieldValue.string("asleep")), ("riskLevel", .int(4)), ("visitedAt", .int(1_700)),
        ("subjectNationalID", .string("12345")), ("subjectPhone", .string("call me")), ("outcome", .int(1)),
    ])
    func invalidValue(field: String, value: FieldValue) {
        let rejected = rejection { _ = try visit.apply([.set(field, value)], to: Fixtures.visit(), origin: Fixtures.origin("T1", wall: 1)) }
        #expect(rejected?.code == .invalidValue && rejected?.fields == [field])
    }

    @Test("missingField at creation and when a state requires a field")
    func missingField() {
        let creation = rejection {
            _ = try signIn.create(id: RecordID("s"), [.set("checkpoint", "CP1")], origin: Fixtures.origin("T1", wall: 0))
        }
        #expect(creation?.code == .missingField)
        #expect(creation?.fields == ["method", "officers", "signedAt", "unit"])
        let void = rejection { _ = try signIn.apply([.set("status", "voided")], to: Fixtures.signIn(), origin: Fixtures.origin("T1", wall: 1)) }
        #expect(void?.code == .missingField && void?.fields == ["voidReason"])
    }

    @Test("immutableField: a sign-in is never edited")
    func immutableField() {
        let rejected = rejection { _ = try signIn.apply([.set("checkpoint", "CP-OTHER")], to: Fixtures.signIn(), origin: Fixtures.origin("T1", wall: 1)) }
        #expect(rejected?.code == .immutableField && rejected?.fields == ["checkpoint"])
        let cleared = rejection { _ = try signIn.apply([.clear("note")], to: Fixtures.signIn(), origin: Fixtures.origin("T1", wall: 1)) }
        #expect(cleared == nil, "clearing an empty optional field changes nothing")
        let receipt = rejection { _ = try incident.apply([.set("receiptNumber", "X-1")], to: Fixtures.incident(), origin: Fixtures.origin("T1", wall: 1)) }
        #expect(receipt?.code == .immutableField)
    }

    @Test("locked: a closed case takes addenda only; a voided sign-in takes nothing")
    func locked() throws {
        var state = Fixtures.incident()
        for (index, step) in ["receiptIssued", "investigating", "solved", "closed"].enumerated() {
            state = try incident.apply([.set("status", .string(step))], to: state, origin: Fixtures.origin("T1", wall: Int64(index + 1)))
        }
        let edit = rejection { _ = try incident.apply([.set("severity", "major")], to: state, origin: Fixtures.origin("T1", wall: 9)) }
        #expect(edit?.code == .locked && edit?.fields == ["severity"])
        let addendum = try incident.apply([.append("addenda", "recovered on 3 Dec")], to: state, origin: Fixtures.origin("T1", wall: 10))
        #expect(addendum.entries("addenda").count == 1)
        let voided = try signIn.apply([.set("status", "voided"), .set("voidReason", "wrong checkpoint scanned")],
                                      to: Fixtures.signIn(), origin: Fixtures.origin("T1", wall: 1))
        let afterVoid = rejection { _ = try signIn.apply([.set("voidReason", "other")], to: voided, origin: Fixtures.origin("T1", wall: 2)) }
        #expect(afterVoid?.code == .locked)
    }

    @Test("illegalTransition: no jumping back or skipping the intake order")
    func illegalTransition() {
        let skip = rejection { _ = try incident.apply([.set("status", "closed")], to: Fixtures.incident(), origin: Fixtures.origin("T1", wall: 1)) }
        #expect(skip?.code == .illegalTransition && skip?.fields == ["status"])
        let unknownState = rejection { _ = try incident.apply([.set("status", "archived")], to: Fixtures.incident(), origin: Fixtures.origin("T1", wall: 1)) }
        #expect(unknownState?.code == .invalidValue)
    }

    @Test("transfer requires a transfer log entry, then widens the scope")
    func transfer() throws {
        let issued = try incident.apply([.set("status", "receiptIssued")], to: Fixtures.incident(), origin: Fixtures.origin("T1", wall: 1))
        let bare = rejection { _ = try incident.apply([.set("status", "transferred")], to: issued, origin: Fixtures.origin("T1", wall: 2)) }
        #expect(bare?.code == .missingField && bare?.fields == ["transfers"])
        let moved = try incident.apply([
            .set("status", "transferred"), .set("jurisdictionUnit", "KH.P05.S001"),
            .append("transfers", .object(["from": "KH.P03.S012", "to": "KH.P05.S001", "reason": "occurred in Gushan"])),
        ], to: issued, origin: Fixtures.origin("T1", wall: 2))
        #expect(incident.scopeUnits(of: moved) == [UnitID("KH.P03.S012"), UnitID("KH.P05.S001")])
    }

    @Test("appendOnly: a pushed state may not drop log entries")
    func appendOnly() throws {
        let noted = try visit.apply([.append("notes", "first")], to: Fixtures.visit(), origin: Fixtures.origin("T1", wall: 1))
        var tampered = noted
        tampered.context[ReplicaID("T1")] += 1
        tampered.fields["notes"] = nil
        tampered.fields["outcome"] = [FieldEntry(dot: Dot(ReplicaID("T1"), 3), stamp: HLCTimestamp(wall: Fixtures.epoch + 2),
                                                 author: OfficerID("B1"), value: "met")]
        guard case .failure(let rejected) = visit.admit(tampered, onto: noted, writer: ReplicaID("T1")) else { Issue.record(); return }
        #expect(rejected.code == .appendOnly && rejected.fields == ["notes"])
    }

    @Test("malformedState: uncovered dots, unsorted entries, a dot with two meanings")
    func malformed() {
        var uncovered = Fixtures.visit()
        uncovered.context = VersionVector()
        #expect(visit.wellFormednessProblem(of: uncovered)?.code == .malformedState)
        var altered = Fixtures.visit()
        altered.fields["household"]![0].value = "HH-9999"
        guard case .failure(let rejected) = visit.admit(altered, onto: Fixtures.visit(), writer: ReplicaID("T1")) else { Issue.record(); return }
        #expect(rejected.code == .malformedState && rejected.fields == ["household"])
        var twoStamps = Fixtures.visit()
        twoStamps.fields["household"]![0].stamp = HLCTimestamp(wall: 1)
        #expect(visit.wellFormednessProblem(of: twoStamps)?.code == .malformedState)
    }

    @Test("foreignDot: a terminal cannot write as another device or claim history it never had")
    func foreignDot() throws {
        let stored = Fixtures.visit()
        let forged = try visit.apply([.set("outcome", "met")], to: stored, origin: Fixtures.origin("T2", wall: 1))
        guard case .failure(let asOther) = visit.admit(forged, onto: stored, writer: ReplicaID("T9")) else { Issue.record(); return }
        #expect(asOther.code == .foreignDot && asOther.fields == ["outcome"])
        var claim = try visit.apply([.set("outcome", "met")], to: stored, origin: Fixtures.origin("T9", wall: 1))
        claim.context[ReplicaID("T1")] = 50  // would silently drop T1's future writes 2...50
        guard case .failure(let history) = visit.admit(claim, onto: stored, writer: ReplicaID("T9")) else { Issue.record(); return }
        #expect(history.code == .foreignDot)
        guard case .success = visit.admit(try visit.apply([.set("outcome", "met")], to: stored, origin: Fixtures.origin("T9", wall: 1)),
                                          onto: stored, writer: ReplicaID("T9")) else { Issue.record("an honest write is accepted"); return }
    }

    @Test("clockSkew: writes stamped beyond the server's tolerance")
    func clockSkew() throws {
        let stored = Fixtures.visit()
        let ahead = try visit.apply([.set("outcome", "met")], to: stored, origin: Fixtures.origin("T2", wall: 3_600_000))
        guard case .failure(let rejected) = visit.admit(ahead, onto: stored, writer: ReplicaID("T2"),
                                                        latestAllowedWall: Fixtures.epoch + 600_000) else { Issue.record(); return }
        #expect(rejected.code == .clockSkew && rejected.fields == ["outcome"])
        guard case .success = visit.admit(ahead, onto: stored, writer: ReplicaID("T2"),
                                          latestAllowedWall: Fixtures.epoch + 7_200_000) else { Issue.record(); return }
    }

    @Test("admit of a state already stored changes nothing")
    func idempotentAdmit() {
        let stored = Fixtures.visit()
        guard case .success(let again) = visit.admit(stored, onto: stored, writer: ReplicaID("T2")) else { Issue.record(); return }
        #expect(again == stored)
    }

    @Test("every rejection code has a test above")
    func catalogue() {
        // outOfScope is decided by the server, which knows the device's units; the rest are core codes.
        #expect(RejectionCode.all.count == 13)
    }
}

@Suite("Tampering")
struct TamperingTests {
    let incident = RecordSchema.incidentReport

    @Test("a push that only omits a stored value is refused: erasing takes a write of one's own")
    func silentErasure() throws {
        let stored = try incident.apply([.add("evidence", .string("sha256:" + String(repeating: "a", count: 64)))],
                                        to: Fixtures.incident(), origin: Fixtures.origin("T1", wall: 1))
        var erased = stored
        erased.fields["evidence"] = nil
        guard case .failure(let rejection) = incident.admit(erased, onto: stored, writer: ReplicaID("T1")) else {
            Issue.record("erasure accepted"); return
        }
        #expect(rejection.code == .malformedState && rejection.fields == ["evidence"])
        // The honest way: a remove is a write, with its own dot.
        let removed = try incident.apply([.remove("evidence", .string("sha256:" + String(repeating: "a", count: 64)))],
                                         to: stored, origin: Fixtures.origin("T1", wall: 2))
        guard case .success = incident.admit(removed, onto: stored, writer: ReplicaID("T1")) else { Issue.record(); return }
    }

    @Test("the jurisdiction moves only with a transfer-log entry")
    func jurisdictionNeedsTransferEntry() {
        #expect {
            _ = try incident.apply([.set("jurisdictionUnit", "KH.P05.S001")], to: Fixtures.incident(), origin: Fixtures.origin("T1", wall: 1))
        } throws: { ($0 as? Rejection)?.code == .missingField && ($0 as? Rejection)?.fields == ["transfers"] }
    }

    @Test("look-alike Unicode names and malformed dots are refused")
    func unicode() {
        var lookalike = Fixtures.visit()
        lookalike.fields["visit\u{212A}ind"] = lookalike.fields.removeValue(forKey: "visitKind")
        #expect(RecordSchema.householdVisit.wellFormednessProblem(of: lookalike)?.code == .unknownField)
        var badDot = Fixtures.visit()
        badDot.context[ReplicaID("\u{212A}T1")] = 1
        badDot.fields["outcome"] = [FieldEntry(dot: Dot(ReplicaID("\u{212A}T1"), 1), stamp: .zero, author: OfficerID("B1"), value: "met")]
        #expect(RecordSchema.householdVisit.wellFormednessProblem(of: badDot)?.code == .malformedState)
    }

    @Test("the hybrid clock never wraps backwards, and a clock far ahead is pulled back on correction")
    func clockEdges() {
        var clock = HybridLogicalClock(last: HLCTimestamp(wall: 1_000, logical: .max))
        clock.observe(HLCTimestamp(wall: 1_000, logical: .max), now: 500)
        #expect(clock.last > HLCTimestamp(wall: 1_000, logical: .max))
        var ahead = HybridLogicalClock(last: HLCTimestamp(wall: 10_000_000), maxForwardDrift: 60_000)
        ahead.correct(serverWall: 1_000_000, now: 1_000_000)
        #expect(ahead.tick(now: 1_000_001).wall == 1_000_001)
    }
}
