import FieldSyncCore
@testable import FieldSyncStore
import Testing

@Suite("Receipt-number leases")
struct LeaseTests {
    @Test("numbers are issued in order across blocks, report running low, and refuse clearly when exhausted")
    func issuesUntilExhausted() throws {
        let fixture = try StoreFixture(leaseLowWater: 2)
        let store = fixture.store
        try store.saveLease(ReceiptLease(prefix: "KH.P03.S012", first: 1, last: 50))   // already saved: no change
        #expect(try store.leaseStatus == LeaseStatus(remaining: 50, runningLow: false, next: "KH.P03.S012-0000001"))
        for expected in 1...47 { #expect(try store.issueReceiptNumber() == StoreFixture.lease.receiptNumber(Int64(expected))) }
        #expect(try store.leaseStatus.runningLow == false)
        _ = try store.issueReceiptNumber()
        #expect(try store.leaseStatus == LeaseStatus(remaining: 2, runningLow: true, next: "KH.P03.S012-0000049"))
        try store.saveLease(ReceiptLease(prefix: "KH.P03.S012", first: 1_001, last: 1_001))
        #expect(try store.leaseStatus.remaining == 3)
        #expect(try store.issueReceiptNumber() == "KH.P03.S012-0000049")
        #expect(try store.issueReceiptNumber() == "KH.P03.S012-0000050")
        let report = try store.createIncidentReport(StoreFixture.incident(), by: StoreFixture.officer)
        #expect(report["receiptNumber"] == .value("KH.P03.S012-0001001"))

        let error = storeError { try store.createIncidentReport(StoreFixture.incident(), by: StoreFixture.officer) }
        #expect(error?.code == .leaseExhausted)
        #expect(try store.count() == 1)
        #expect(try store.leaseStatus == LeaseStatus(remaining: 0, runningLow: true, next: nil))
    }

    @Test("a store without a lease says so")
    func noLease() throws {
        let fixture = try StoreFixture(enrolled: false)
        #expect(storeError { _ = try fixture.store.issueReceiptNumber() }?.code == .noLease)
    }
}
