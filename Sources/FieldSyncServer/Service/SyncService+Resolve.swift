import FieldSyncCore
import Foundation

/// An administrator's decision on a conflict, made on the server rather than on a terminal.
public struct ConflictResolution: Hashable, Sendable, Codable {
    /// The field to decide.
    public var field: String
    /// The value to write: one of the competing values, or a new one.
    public var value: FieldValue
    /// The officer who decides: every write names an officer.
    public var officer: OfficerID
    /// Why, for the audit trail.
    public var reason: String

    /// A decision to write `value` into `field` as `officer`, for `reason`.
    public init(field: String, value: FieldValue, officer: OfficerID, reason: String) {
        self.field = field
        self.value = value
        self.officer = officer
        self.reason = reason
    }
}

extension SyncService {
    /// Resolves a conflict on the server: a write whose context covers every competing value, made by
    /// this server node's own replica (`Settings.adminReplica`) in the officer's name. It goes through the
    /// same admission, history and audit as any push, so it is validated, attributed and pulled by every
    /// terminal that may see the record. Reading the record first is audited, with the reason.
    public func resolve(_ id: RecordID, _ resolution: ConflictResolution) async throws -> RecordResult {
        guard resolution.officer.isWellFormed else {
            throw ServerError(.malformedRequest, "officer '\(resolution.officer)' is not a badge number")
        }
        guard !resolution.reason.isEmpty else {
            throw ServerError(.malformedRequest, "a resolution states its reason (it goes into the audit chain)")
        }
        let record = try await readRecord(id, reason: "resolve '\(resolution.field)': \(resolution.reason)")
        guard let schema = registry[record.state.type] else {
            throw ServerError(.internalError, "record \(id) has type \(record.state.type), which this server does not know")
        }
        // After every stamp the record holds, so the decision wins any last-writer contest it meets.
        var clock = HybridLogicalClock(last: record.state.latestStamp)
        let stamp = clock.tick(now: now)
        let origin = WriteOrigin(replica: settings.adminReplica, author: resolution.officer, stamp: stamp)
        let next: RecordState
        do {
            next = try schema.apply([.set(resolution.field, resolution.value)], to: record.state, origin: origin)
        } catch {
            return RecordResult(id: id, outcome: .rejected(error, current: record.state))
        }
        let node = Device(replica: settings.adminReplica, name: "administrator", station: record.units.sorted().first ?? UnitID("admin"),
                          scopes: record.units.sorted(), enrolledAt: 0)
        let batchID = "admin-resolve-" + DeviceCredential.base64URL(randomBytes(12))
        let response = try await push(PushRequest(batchID: batchID, records: [next]), from: node)
        guard let result = response.results.first else {
            throw ServerError(.internalError, "the resolution of \(id) got no answer")
        }
        return result
    }
}
