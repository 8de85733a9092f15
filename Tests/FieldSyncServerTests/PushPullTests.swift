import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Testing

@Suite("Push, pull, replay, scopes and transfers")
struct PushPullTests {
    @Test("accepted records get increasing sequences and come back in the station's pulls only")
    func pushAndPull() async throws {
        let harness = try await Harness()
        let (deviceA, _, factory) = try await harness.enroll(Harness.stationA)
        let (deviceB, _, _) = try await harness.enroll(Harness.stationB)
        let records = [try factory.patrolSignIn("p1"), try factory.incidentReport("i1"), try factory.patrolSignIn("p2")]
        let results = try await harness.push(records, from: deviceA)
        let sequences = results.compactMap(\.sequence)
        #expect(sequences.count == 3 && sequences == sequences.sorted() && Set(sequences).count == 3)
        #expect(try await harness.pullAll(deviceA) == records)
        #expect(try await harness.pullAll(deviceB).isEmpty)
        #expect(try harness.count("history") == 3)
    }

    @Test("a cursor the server never issued is refused")
    func invalidCursor() async throws {
        let harness = try await Harness()
        let (device, _, _) = try await harness.enroll(Harness.stationA)
        for cursor in ["abc", "-1", "999"] {
            do {
                _ = try await harness.service.pull(PullRequest(cursor: cursor), for: device)
                Issue.record("cursor \(cursor) accepted")
            } catch let error as ServerError {
                #expect(error.code == .invalidCursor)
            }
        }
    }

    @Test("a replayed batch gets the stored answers and applies nothing twice")
    func replay() async throws {
        let harness = try await Harness()
        let (device, _, factory) = try await harness.enroll(Harness.stationA)
        let records = [try factory.patrolSignIn("p1"), try factory.incidentReport("i1"),
                       Forge.set("severity", "huge", in: try factory.incidentReport("i2"), by: device.replica, wall: harness.clock.now)]
        let first = try await harness.push(records, from: device, batch: "batch-1")
        let counts = try ["history", "audit", "quarantine", "records"].map { try harness.count($0) }
        harness.clock.advance(milliseconds: 5_000)
        let second = try await harness.push(records, from: device, batch: "batch-1")
        #expect(first == second)
        #expect(try ["history", "audit", "quarantine", "records"].map { try harness.count($0) } == counts)
        do {
            _ = try await harness.push([try factory.patrolSignIn("other")], from: device, batch: "batch-1")
            Issue.record("a reused batch id with new content was applied")
        } catch let error as ServerError {
            #expect(error.code == .batchConflict)
            #expect(error.status == .conflict)
        }
        #expect(try harness.count("records") == 2)
        // Same records, same vectors, one value changed: still new content, not a replay.
        var altered = records[1]
        altered.fields["narrative"]![0].value = "a different story"
        await #expect(throws: ServerError.self) {
            _ = try await harness.push([records[0], altered, records[2]], from: device, batch: "batch-1")
        }
        // A batch naming one record twice is malformed.
        await #expect(throws: ServerError.self) {
            _ = try await harness.push([records[0], records[0]], from: device, batch: "batch-2")
        }
    }

    @Test("writes outside the device's units are rejected without revealing the record")
    func scopes() async throws {
        let harness = try await Harness()
        let (deviceA, _, factoryA) = try await harness.enroll(Harness.stationA)
        let (deviceB, _, factoryB) = try await harness.enroll(Harness.stationB)
        let report = try factoryA.incidentReport("i1")
        _ = try await harness.push([report], from: deviceA)
        // B edits A's record: refused, and B learns nothing of the stored state.
        let tampered = try RecordFactory(replica: deviceB.replica, station: Harness.stationB, now: harness.clock.now)
            .apply([.set("severity", "major")], to: report)
        let results = try await harness.push([tampered, try factoryB.patrolSignIn("x", checkpoint: "CP1")], from: deviceB)
        #expect(results[0].rejection?.code == .outOfScope)
        #expect(results[0].current == nil)
        #expect(results[1].sequence != nil)
        // B creates a record for A's station: refused.
        let foreign = try RecordFactory(replica: deviceB.replica, station: Harness.stationA, now: harness.clock.now).patrolSignIn("y")
        #expect(try await harness.push([foreign], from: deviceB)[0].rejection?.code == .outOfScope)
        #expect(try await harness.service.readRecord(RecordID("i1"), reason: "test").state == report)
        #expect(try harness.count("quarantine") == 2)
    }

    @Test("a transferred case reaches the new station from then on, and the receiving station keeps it")
    func transfer() async throws {
        let harness = try await Harness()
        let (deviceA, _, factoryA) = try await harness.enroll(Harness.stationA)
        let (deviceB, _, factoryB) = try await harness.enroll(Harness.stationB)
        var report = try factoryA.incidentReport("i1")
        report = try factoryA.apply([.set("status", "receiptIssued")], to: report)
        _ = try await harness.push([report], from: deviceA)
        let before = try await harness.service.pull(PullRequest(cursor: nil), for: deviceB)
        #expect(before.records.isEmpty)
        let transfer: FieldValue = .object(["from": .string(Harness.stationA.rawValue), "to": .string(Harness.stationB.rawValue),
                                            "reason": "jurisdiction"])
        report = try factoryA.apply([.set("jurisdictionUnit", .string(Harness.stationB.rawValue)), .append("transfers", transfer),
                                     .set("status", "transferred")], to: report)
        #expect(try await harness.push([report], from: deviceA)[0].sequence != nil)
        let after = try await harness.service.pull(PullRequest(cursor: before.cursor), for: deviceB)
        #expect(after.records == [report])
        // The new station accepts the case; the receiving station still sees (and may annotate) it.
        let accepted = try factoryB.apply([.set("status", "accepted")], to: report)
        #expect(try await harness.push([accepted], from: deviceB)[0].sequence != nil)
        #expect(try await harness.pullAll(deviceA) == [accepted])
        let note = try factoryA.apply([.append("supervisorNotes", "reporter called again")], to: accepted)
        #expect(try await harness.push([note], from: deviceA)[0].sequence != nil)
    }

    @Test("concurrent narratives become a conflict that a covering write resolves")
    func conflicts() async throws {
        let harness = try await Harness()
        let (first, _, factory1) = try await harness.enroll(Harness.stationA)
        let (second, _, factory2) = try await harness.enroll(Harness.stationA)
        let report = try factory1.incidentReport("i1")
        _ = try await harness.push([report], from: first)
        let one = try factory1.apply([.set("narrative", "Red bicycle.")], to: report)
        let two = try factory2.apply([.set("narrative", "Blue bicycle.")], to: report)
        _ = try await harness.push([one], from: first)
        _ = try await harness.push([two], from: second)
        let listed = try await harness.service.conflicts()
        #expect(listed.map(\.id) == [RecordID("i1")] && listed[0].needsPerson)
        let stored = try await harness.service.readRecord(RecordID("i1"), reason: "resolve")
        let resolved = try factory1.apply([.set("narrative", "Red and blue bicycles.")], to: stored.state)
        _ = try await harness.push([resolved], from: first)
        #expect(try await harness.service.conflicts().isEmpty)
        let exposition = harness.service.metrics.exposition()
        #expect(exposition.contains("fieldsync_conflicts_created_total 1"))
        #expect(exposition.contains("fieldsync_conflicts_resolved_total 1"))
    }
}
