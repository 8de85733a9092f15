import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation

/// Fills a server's storage quickly through the storage's own `applyPush`, in big batches, with the
/// decision the service takes for a new record (stored whole, with its scope units): the rows, indexes,
/// history and audit entries are exactly what pushes leave, only validation is skipped.
enum ServerSeeder {
    static let replica = ReplicaID("t-seeder")

    /// Stores records `range` (ids `seed-<index>`), spread round-robin over `stations`: three patrol
    /// sign-ins to one incident report.
    static func seed(_ storage: any SyncStorage, _ range: Range<Int>, stations: [UnitID], now: Int64, batch: Int = 5_000) async throws {
        for first in stride(from: range.lowerBound, to: range.upperBound, by: batch) {
            let records = try (first..<min(range.upperBound, first + batch)).map { try record($0, stations: stations, now: now) }
            let push = PushBatch(replica: replica, batchID: "seed-\(first)", fingerprint: "seed-\(first)", records: records, receivedAt: now)
            _ = try await storage.applyPush(push) { incoming, current in
                .store(incoming, delta: incoming, units: RecordSchema.standardSchema(of: incoming).scopeUnits(of: incoming),
                       needsPerson: false, isIncoming: current == nil)
            }
        }
    }

    static func record(_ index: Int, stations: [UnitID], now: Int64) throws -> RecordState {
        let station = stations[index % stations.count]
        let factory = RecordFactory(replica: replica, station: station, now: now)
        let id = String(format: "seed-%09d", index)
        return index % 4 == 3 ? try factory.incidentReport(id, receipt: "\(station.rawValue)-\(index)") : try factory.patrolSignIn(id)
    }
}

extension RecordSchema {
    static func standardSchema(of state: RecordState) -> RecordSchema {
        guard let schema = SchemaRegistry.standard[state.type] else { preconditionFailure("no schema for \(state.type)") }
        return schema
    }
}
