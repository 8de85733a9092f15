import FieldSyncCore
@testable import FieldSyncServer
import FieldSyncTesting
import Testing

@Suite("Receipt numbers name one case")
struct ReceiptNumberTests {
    @Test("a second case with a receipt number already issued is refused and quarantined; the first is untouched")
    func duplicateReceipt() async throws {
        let harness = try await Harness()
        let (first, _, factory1) = try await harness.enroll(Harness.stationA)
        let (second, _, factory2) = try await harness.enroll(Harness.stationA)
        let number = try #require(factory1.receipts).next()
        let original = try factory1.incidentReport("case-1", receipt: number)
        #expect(try await harness.push([original], from: first)[0].sequence != nil)
        let copy = try factory2.incidentReport("case-2", receipt: number)
        let quarantined = try harness.count("quarantine")
        let result = try await harness.push([copy], from: second)[0]
        #expect(result.rejection?.code == .invalidValue && result.rejection?.fields == ["receiptNumber"])
        #expect(try harness.count("quarantine") == quarantined + 1)
        #expect(try harness.count("records") == 1)
        // The holder itself may push its case again (a replay or an edit): its number is its own.
        let edited = try factory1.apply([.set("severity", "major")], to: original)
        #expect(try await harness.push([edited], from: first)[0].sequence != nil)
        // A number of its own lease goes through.
        #expect(try await harness.push([try factory2.incidentReport("case-3")], from: second)[0].sequence != nil)
    }

    @Test("receipt-number squatting: a number outside the pusher's lease is refused, in the same words whether or not it is in use, and the owner's case still goes in")
    func squatting() async throws {
        let harness = try await Harness()
        let (stationA, _, factoryA) = try await harness.enroll(Harness.stationA)
        let (stationB, _, factoryB) = try await harness.enroll(Harness.stationA)
        let leaseB = try #require(factoryB.receipts).lease
        let used = leaseB.receiptNumber(leaseB.first), next = leaseB.receiptNumber(leaseB.first + 1)
        #expect(try await harness.push([try factoryB.incidentReport("b-1", receipt: used)], from: stationB)[0].sequence != nil)
        let squatted = try await harness.push([try factoryA.incidentReport("a-squat", receipt: next),
                                               try factoryA.incidentReport("a-probe", receipt: used),
                                               try factoryA.incidentReport("a-made-up", receipt: "KH.P03.S012-9999999")], from: stationA)
        for result in squatted {
            #expect(result.rejection?.code == .invalidValue && result.rejection?.fields == ["receiptNumber"], "\(result)")
        }
        // The refusal of a number in use and of one not in use read the same, but for the number itself.
        let messages = squatted.map { result in
            [used, next, "KH.P03.S012-9999999"].reduce(result.rejection?.message ?? "") { $0.replacingOccurrences(of: $1, with: "N") }
        }
        #expect(Set(messages).count == 1, "\(messages)")
        #expect(try await harness.push([try factoryB.incidentReport("b-2", receipt: next)], from: stationB)[0].sequence != nil,
                "B's real case keeps its number")
        #expect(try harness.count("records") == 2)
    }

    @Test("leased numbers are recognised only in the lease's own spelling")
    func leaseSpelling() {
        let lease = ReceiptLease(prefix: "KH.P03.S012", first: 1_001, last: 2_000)
        #expect(PushPlan.isLeased("KH.P03.S012-0001001", in: [lease]))
        #expect(PushPlan.isLeased("KH.P03.S012-0002000", in: [lease]))
        for outside in ["KH.P03.S012-0001000", "KH.P03.S012-0002001", "KH.P03.S012-1001", "KH.P03.S012-00001001",
                        "KH.P03.S012-+001001", "KH.P03.S012-00010٠1", "KH.P03.S01-0001001", "KH.P03.S012-9223372036854775808",
                        "KH.P03.S012-99999999999999999999", "KH.P03.S012-"] {
            #expect(!PushPlan.isLeased(outside, in: [lease]), "\(outside)")
        }
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
