import FieldSyncCore

/// Makes valid record states as a terminal would write them, for tests and benchmarks.
public struct RecordFactory: Sendable {
    public var replica: ReplicaID
    public var officer: OfficerID
    public var station: UnitID
    /// Wall time (ms) of the writes.
    public var now: Int64

    /// Issues receipt numbers from the device's lease, as its terminal would (the server accepts only
    /// numbers leased to the pusher, SPEC §10.7). Shared by copies of the factory.
    public let receipts: ReceiptIssuer?

    public init(replica: ReplicaID, officer: OfficerID = OfficerID("KH1234"), station: UnitID, now: Int64,
                lease: ReceiptLease? = nil) {
        self.replica = replica
        self.officer = officer
        self.station = station
        self.now = now
        self.receipts = lease.map(ReceiptIssuer.init)
    }

    /// A factory writing as the device of `enrollment`, with its first lease.
    public init(enrolled response: EnrollResponse, officer: OfficerID = OfficerID("KH1234"), now: Int64) {
        self.init(replica: response.replica, officer: officer, station: response.station, now: now, lease: response.lease)
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
            .set("receiptNumber", .string(receipt ?? receipts?.next() ?? "\(station.rawValue)-\(id.suffix(7))")),
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

/// The next unused numbers of one lease, for factories shared across tasks.
public final class ReceiptIssuer: Sendable {
    public let lease: ReceiptLease
    private let used = LockedValue<Int64>(0)

    public init(_ lease: ReceiptLease) { self.lease = lease }

    public func next() -> String {
        let number = lease.first + used.update { count in defer { count += 1 }; return count }
        return lease.receiptNumber(min(number, lease.last))
    }
}
