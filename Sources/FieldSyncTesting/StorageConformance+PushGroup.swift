import FieldSyncCore
import FieldSyncServer
import Foundation

/// Group commit (issue 16, item 2) over each backend: batches applied in one transaction stand alone.
/// Which batches arrive together is the scheduler's to decide, so the case hands the storage a group
/// directly (`PushGroupApplying.applyGroup`), built as the service builds each batch (`preparePush`).
extension StorageConformance {
    static let pushGroup = Case(name: "batches applied as one group each stand alone: a revoked device's, a replay and a reused id answer alone, the rest commit in order") { h in
        guard let storage = h.storage as? any PushGroupApplying else {
            throw ConformanceFailure("\(type(of: h.storage)) does not apply push groups")
        }
        let (first, _, firstFactory) = try await h.enroll(stationA)
        let (second, _, secondFactory) = try await h.enroll(stationB)
        let (stolen, _, stolenFactory) = try await h.enroll(stationA)
        let (replaying, _, replayingFactory) = try await h.enroll(stationB)
        let stored = [try replayingFactory.patrolSignIn("stored")]
        let storedAnswers = try await h.push(stored, from: replaying, batch: "stored-batch")
        _ = try await h.service.revoke(stolen.replica, reason: "reported stolen")
        let head = try await h.storage.headSequence()
        let auditBefore = try await h.auditKinds().count

        let firstRecords = [try firstFactory.patrolSignIn("g1"), try firstFactory.incidentReport("g2")]
        let bad = forgedSeverity(try secondFactory.incidentReport("g3"), by: second.replica, wall: h.clock.now)
        let secondRecords = [bad, try secondFactory.householdVisit("g4")]
        // The receipt number of g2 on another case, in another batch of the same group: refused, as it would
        // be in a transaction of its own.
        let number = try firstRecords[1].entries("receiptNumber").first?.value.stringValue ?? { throw ConformanceFailure("g2 has no receipt number") }()
        let copied = try firstFactory.incidentReport("g6", receipt: number)
        let requests: [(PushRequest, Device)] = [
            (PushRequest(batchID: "group-1", records: firstRecords), first),
            (PushRequest(batchID: "group-revoked", records: [try stolenFactory.patrolSignIn("g-stolen")]), stolen),
            (PushRequest(batchID: "stored-batch", records: stored), replaying),
            (PushRequest(batchID: "stored-batch", records: [try replayingFactory.patrolSignIn("g-reused")]), replaying),
            (PushRequest(batchID: "group-2", records: secondRecords), second),
            (PushRequest(batchID: "group-1b", records: [copied]), first),
        ]
        let group = try requests.map { try h.service.preparePush($0.0, from: $0.1) }
        let results = try await storage.applyGroup(group)
        try expect(results.count == group.count, "one result per batch: \(results.count)")

        let applied = try results[0].get().results
        try expect(applied.allSatisfy { $0.acceptedSequence != nil }, "the first batch is stored: \(applied)")
        for (index, code) in [(1, ProtocolError.Code.revoked), (3, .batchConflict)] {
            guard case .failure(let error as ServerError) = results[index], error.code == code else {
                throw ConformanceFailure("batch \(index) answers \(code): \(results[index])")
            }
        }
        let replayed = try results[2].get()
        try expect(replayed.replayed && replayed.results == storedAnswers, "the stored batch's answers, replayed")
        let mixed = try results[4].get().results
        try expect(mixed[0].rejectedCode == .invalidValue && mixed[1].acceptedSequence != nil, "a refusal and a record stored: \(mixed)")
        let copiedAnswer = try results[5].get().results
        guard case .rejected(let rejection, _)? = copiedAnswer.first?.outcome, rejection.message.contains("already issued") else {
            throw ConformanceFailure("a receipt number the group's first batch claimed is refused: \(copiedAnswer)")
        }

        // Sequences follow the group's order without a gap; the head moved by what was stored.
        let sequences = (applied + mixed).compactMap(\.acceptedSequence)
        try expect(sequences == Array(head + 1 ... head + 3), "sequences \(sequences) after head \(head)")
        try expect(try await h.storage.headSequence() == head + 3, "head after the group")
        let stolenRecord = try await h.storage.record(RecordID("g-stolen"), audit: nil)
        let reusedRecord = try await h.storage.record(RecordID("g-reused"), audit: nil)
        try expect(stolenRecord == nil && reusedRecord == nil, "nothing of the failed batches")
        let quarantine = try await h.service.quarantine()
        try expect(Set(quarantine.map(\.record)) == [RecordID("g3"), RecordID("g6")], "two refusals quarantined: \(quarantine.map(\.record))")
        // Each stored batch, and each refusal, is in the chain, which verifies; a replayed group answers the same.
        let added = try await h.auditKinds().count - auditBefore
        try expect(added >= 3, "the group's changes and refusals audited: \(added) entries")
        let verification = try await h.service.verifyAudit()
        try expect(verification.isIntact, "verification \(verification)")
        let again = try await storage.applyGroup([group[0], group[4]])
        try expect(try again[0].get().results == applied && (try again[1].get().results) == mixed && (try again[1].get().replayed),
                   "the group pushed again is replayed batch by batch")
        try expect(try await h.storage.headSequence() == head + 3, "nothing stored twice")
        let pulled = try await h.pullAll(first).map(\.id)
        try expect(pulled.contains(RecordID("g1")) && pulled.contains(RecordID("g2")) && !pulled.contains(RecordID("g4")), "scopes hold: \(pulled)")
    }
}
