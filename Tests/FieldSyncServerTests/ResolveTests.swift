import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import Testing

@Suite("Administrators resolve conflicts on the server")
struct ResolveTests {
    /// Two terminals of one station write the narrative concurrently: a conflict for a person.
    static func conflicted() async throws -> (Harness, Device, RecordFactory) {
        let harness = try await Harness()
        let (first, _, factory1) = try await harness.enroll(Harness.stationA)
        let (second, _, factory2) = try await harness.enroll(Harness.stationA)
        let report = try factory1.incidentReport("i1")
        _ = try await harness.push([report], from: first)
        _ = try await harness.push([try factory1.apply([.set("narrative", "Red bicycle.")], to: report)], from: first)
        _ = try await harness.push([try factory2.apply([.set("narrative", "Blue bicycle.")], to: report)], from: second)
        #expect(try await harness.service.conflicts().map(\.id) == [RecordID("i1")])
        return (harness, first, factory1)
    }

    @Test("a resolution is a covering write by the server's replica in the officer's name, pulled by terminals")
    func resolves() async throws {
        let (harness, device, _) = try await Self.conflicted()
        let result = try await harness.service.resolve(RecordID("i1"), ConflictResolution(
            field: "narrative", value: "Red and blue bicycles.", officer: OfficerID("KH9001"), reason: "both reports agree"))
        guard case .accepted = result.outcome else { Issue.record("not accepted: \(result)"); return }
        #expect(try await harness.service.conflicts().isEmpty)
        let pulled = try await harness.pullAll(device).first { $0.id == RecordID("i1") }
        let narrative = try #require(pulled?.entries("narrative"))
        #expect(narrative.map(\.value) == ["Red and blue bicycles."])
        #expect(narrative.first?.author == OfficerID("KH9001"))
        #expect(narrative.first?.dot.replica == ReplicaID("server-admin"))
        let history = try await harness.service.history(of: RecordID("i1"), reason: "test")
        #expect(history.last?.replica == ReplicaID("server-admin"))
        #expect(try await harness.service.verifyAudit().isIntact)
    }

    @Test("a resolution the rules refuse changes nothing and says why")
    func refused() async throws {
        let (harness, _, _) = try await Self.conflicted()
        let before = try await harness.service.readRecord(RecordID("i1"), reason: "test").state
        let result = try await harness.service.resolve(RecordID("i1"), ConflictResolution(
            field: "receiptNumber", value: "KH-X-1", officer: OfficerID("KH9001"), reason: "typo"))
        guard case .rejected(let rejection, _) = result.outcome else { Issue.record("accepted: \(result)"); return }
        #expect(rejection.code == .immutableField)
        #expect(try await harness.service.readRecord(RecordID("i1"), reason: "test").state == before)
        await #expect(throws: ServerError.self) {
            _ = try await harness.service.resolve(RecordID("nope"), ConflictResolution(
                field: "narrative", value: "x", officer: OfficerID("KH9001"), reason: "r"))
        }
    }
}
