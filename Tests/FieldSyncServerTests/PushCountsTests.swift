import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import Testing

/// Issue 15: the push metrics count what the committed batch decided (`PushPlan.counts`), not what
/// the admission closure was asked along the way.
@Suite("Push metrics count the committed outcomes")
struct PushCountsTests {
    @Test("a record the plan refuses after admission (receipt number outside the lease) counts as rejected, never accepted",
          arguments: [TestBackend.sqlite, .postgres])
    func refusedAfterAdmission(backend: TestBackend) async throws {
        guard backend == .sqlite || TestPostgres.isEnabled else { return }
        let harness = try await Harness(backend: backend)
        do {
            let (device, _, factory) = try await harness.enroll(Harness.stationA)
            // Admission (validation, scope, join) accepts it; only the lease check in the plan refuses it.
            let squatted = try factory.incidentReport("i-squat", receipt: "\(device.station.rawValue)-9999999")
            let results = try await harness.push([squatted, try factory.patrolSignIn("p-1")], from: device)
            #expect(results[0].rejection?.code == .invalidValue && results[1].sequence != nil, "\(results)")
            let exposition = harness.service.metrics.exposition()
            #expect(exposition.contains("fieldsync_records_accepted_total 1\n"), "\(exposition)")
            #expect(exposition.contains("fieldsync_records_rejected_total{reason=\"invalidValue\"} 1"), "\(exposition)")
            // A replay decides nothing and counts nothing.
            _ = try await harness.push([squatted, try factory.patrolSignIn("p-1")], from: device, batch: "again")
            _ = try await harness.service.push(PushRequest(batchID: "again", records: [squatted, try factory.patrolSignIn("p-1")]),
                                               from: device)
            let after = harness.service.metrics.exposition()
            #expect(after.contains("fieldsync_records_rejected_total{reason=\"invalidValue\"} 2"), "\(after)")
            #expect(after.contains("fieldsync_records_accepted_total 1\n"), "the unchanged sign-in is not counted again: \(after)")
        } catch {
            await harness.dispose()
            throw error
        }
        await harness.dispose()
    }
}
