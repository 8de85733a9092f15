import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Testing

@Suite("Every rejection code, quarantined and answered")
struct RejectionTests {
    @Test("each code of RejectionCode.all is produced by the server for the matching fault")
    func everyCode() async throws {
        let harness = try await Harness()
        let (device, _, factory) = try await harness.enroll(Harness.stationA)
        let (sibling, _, siblingFactory) = try await harness.enroll(Harness.stationA)
        let (_, _, outsider) = try await harness.enroll(Harness.stationB)
        let now = harness.clock.now
        let me = device.replica

        // Stored first, so that later writes have something to break.
        let voided = try factory.apply([.set("status", "voided"), .set("voidReason", "wrong checkpoint")], to: try factory.patrolSignIn("locked"))
        let report = try factory.incidentReport("report")
        let withAddendum = try factory.apply([.append("addenda", "second statement")], to: report)
        let issued = try factory.apply([.set("status", "receiptIssued")], to: try factory.incidentReport("issued"))
        #expect(try await harness.push([voided, withAddendum, issued], from: device).allSatisfy { $0.sequence != nil })

        var unknownType = try factory.patrolSignIn("unknown-type")
        unknownType.type = RecordType("trafficTicket")
        var badVersion = try factory.patrolSignIn("bad-version")
        badVersion.schemaVersion = 9
        var uncovered = try factory.patrolSignIn("uncovered")
        uncovered.context = VersionVector()
        var missing = try factory.incidentReport("missing")
        missing.fields["narrative"] = nil
        var droppedAddendum = Forge.set("addenda", nil, in: withAddendum, by: me, wall: now)
        droppedAddendum.fields["addenda"] = nil
        let cases: [(RejectionCode, RecordState)] = [
            (.unknownRecordType, unknownType),
            (.unsupportedSchemaVersion, badVersion),
            (.unknownField, Forge.set("colour", "red", in: try factory.patrolSignIn("unknown-field"), by: me, wall: now)),
            (.invalidValue, Forge.set("severity", "catastrophic", in: try factory.incidentReport("invalid"), by: me, wall: now)),
            (.missingField, missing),
            (.immutableField, Forge.set("receiptNumber", "KH-OTHER-1", in: withAddendum, by: me, wall: now)),
            (.locked, Forge.set("voidReason", "changed my mind", in: voided, by: me, wall: now)),
            (.illegalTransition, Forge.set("status", "received", in: issued, by: me, wall: now)),
            (.appendOnly, droppedAddendum),
            (.malformedState, uncovered),
            (.foreignDot, try siblingFactory.patrolSignIn("foreign")),
            (.clockSkew, try RecordFactory(replica: me, station: Harness.stationA, now: now + 60 * 60 * 1_000).patrolSignIn("future")),
            (.outOfScope, try RecordFactory(replica: me, station: Harness.stationB, now: now).patrolSignIn("elsewhere")),
        ]
        _ = sibling
        _ = outsider
        #expect(Set(cases.map(\.0)) == Set(RejectionCode.all), "the table covers every code")
        let before = try harness.count("records")
        // One batch per case: two cases break the same record, and a batch names each record once.
        var results: [RecordResult] = []
        for (_, state) in cases { results += try await harness.push([state], from: device) }
        for ((code, state), result) in zip(cases, results) {
            #expect(result.id == state.id)
            #expect(result.rejection?.code == code, "\(state.id): expected \(code), got \(String(describing: result.rejection))")
        }
        // A rejection of a stored record the device may see carries the server's state.
        #expect(results[6].current == voided)
        #expect(try harness.count("records") == before)
        #expect(try harness.count("quarantine") == cases.count)
        let quarantined = try await harness.service.quarantine()
        #expect(Set(quarantined.map(\.rejection.code)) == Set(RejectionCode.all))
        let exposition = harness.service.metrics.exposition()
        #expect(exposition.contains("fieldsync_records_rejected_total{reason=\"locked\"} 1"))
    }

    @Test("a batch above the record limit is refused whole")
    func batchLimit() async throws {
        let harness = try await Harness { $0.maxBatchRecords = 3 }
        let (device, _, factory) = try await harness.enroll(Harness.stationA)
        let records = try (0..<4).map { try factory.patrolSignIn("p\($0)") }
        do {
            _ = try await harness.push(records, from: device)
            Issue.record("an oversized batch was applied")
        } catch let error as ServerError {
            #expect(error.code == .payloadTooLarge && error.status == .contentTooLarge)
        }
        #expect(try harness.count("records") == 0)
    }
}
