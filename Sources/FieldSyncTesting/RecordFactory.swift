import FieldSyncCore

/// Makes valid record states as a terminal would write them, for tests and benchmarks.
public struct RecordFactory: Sendable {
    public var replica: ReplicaID
    public var officer: OfficerID
    public var station: UnitID
    /// Wall time (ms) of the writes.
    public var now: Int64

    public init(replica: ReplicaID, officer: OfficerID = OfficerID("KH1234"), station: UnitID, now: Int64) {
        self.replica = replica
        self.officer = officer
        self.station = station
        self.now = now
    }

    public var origin: WriteOrigin { WriteOrigin(replica: replica, author: officer, stamp: HLCTimestamp(wall: now)) }

    public func patrolSignIn(_ id: String, checkpoint: String = "CP-7-ELEVEN-0042") throws -> RecordState {
        try RecordSchema.patrolSignIn.create(id: RecordID(id), [
            .set("officers", .list([.string(officer.rawValue)])),
            .set("checkpoint", .string(checkpoint)),
            .set("unit", .string(station.rawValue)),
            .set("signedAt", .int(now)),
            .set("method", "qr"),
            .set("location", .object(["lat": 22_627_278, "lon": 120_301_435])),
        ], origin: origin)
    }

    /// An incident report received at this station; `jurisdiction` defaults to the station.
    public func incidentReport(_ id: String, receipt: String? = nil, jurisdiction: UnitID? = nil,
                               narrative: String = "Bicycle stolen from the rack outside the station.") throws -> RecordState {
        try RecordSchema.incidentReport.create(id: RecordID(id), [
            .set("receiptNumber", .string(receipt ?? "\(station.rawValue)-\(id.suffix(7))")),
            .set("receivedAt", .int(now)),
            .set("receivingUnit", .string(station.rawValue)),
            .set("jurisdictionUnit", .string((jurisdiction ?? station).rawValue)),
            .set("category", "theft"),
            .set("severity", "minor"),
            .set("narrative", .string(narrative)),
            .set("location", "No. 1 Zhongzheng 4th Rd, Qianjin District"),
        ], origin: origin)
    }

    /// A household visit on a beat of this station (no sensitive fields: those are sealed by a terminal).
    public func householdVisit(_ id: String, beat: String = "B0456", household: String = "H-0001") throws -> RecordState {
        try RecordSchema.householdVisit.create(id: RecordID(id), [
            .set("beat", .string(station.rawValue + "." + beat)),
            .set("household", .string(household)),
            .set("officer", .string(officer.rawValue)),
            .set("subjectCategory", "elderlyAlone"),
            .set("visitKind", "care"),
            .set("visitedAt", .int(now)),
        ], origin: origin)
    }

    /// A further write to `state` by this factory's replica and officer.
    public func apply(_ operations: [FieldOperation], to state: RecordState) throws -> RecordState {
        guard let schema = SchemaRegistry.standard[state.type] else {
            throw Rejection(.unknownRecordType, message: "unknown type \(state.type)")
        }
        return try schema.apply(operations, to: state, origin: origin)
    }
}
