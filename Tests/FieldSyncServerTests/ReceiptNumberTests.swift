import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Testing

@Suite("Receipt numbers name one case")
struct ReceiptNumberTests {
    @Test("a second case with a receipt number already issued is refused and quarantined; the first is untouched")
    func duplicateReceipt() async throws {
        let harness = try await Harness()
        let (first, _, factory1) = try await harness.enroll(Harness.stationA)
        let (second, _, factory2) = try await harness.enroll(Harness.stationA)
        let original = try factory1.incidentReport("case-1", receipt: "KH.P03.S012-0001024")
        #expect(try await harness.push([original], from: first)[0].sequence != nil)
        let copy = try factory2.incidentReport("case-2", receipt: "KH.P03.S012-0001024")
        let quarantined = try harness.count("quarantine")
        let result = try await harness.push([copy], from: second)[0]
        #expect(result.rejection?.code == .invalidValue && result.rejection?.fields == ["receiptNumber"])
        #expect(try harness.count("quarantine") == quarantined + 1)
        #expect(try harness.count("records") == 1)
        // The holder itself may push its case again (a replay or an edit): its number is its own.
        let edited = try factory1.apply([.set("severity", "major")], to: original)
        #expect(try await harness.push([edited], from: first)[0].sequence != nil)
        // A different number goes through.
        #expect(try await harness.push([try factory2.incidentReport("case-3", receipt: "KH.P03.S012-0001025")],
                                       from: second)[0].sequence != nil)
    }
}

@Test("a station whose code cannot prefix receipt numbers gets no enrollment token")
func longStationCode() async throws {
    let harness = try await Harness()
    await #expect(throws: ServerError.self) {
        _ = try await harness.service.createEnrollmentToken(station: UnitID("KHH.PRECINCT03.STATION0123"))
    }
    _ = try await harness.service.createEnrollmentToken(station: UnitID("KH.P03.S012"))
}
