import FieldSyncCore

/// Small, readable record states for unit tests.
enum Fixtures {
    static let epoch: Int64 = 1_763_900_000_000

    static func origin(_ replica: String, wall: Int64, author: String? = nil) -> WriteOrigin {
        let badge = author ?? "B" + replica.dropFirst()
        return WriteOrigin(replica: ReplicaID(replica), author: OfficerID(badge), stamp: HLCTimestamp(wall: epoch + wall))
    }

    static func visit(id: String = "visit-1") -> RecordState {
        try! RecordSchema.householdVisit.create(id: RecordID(id), [
            .set("beat", "KH.P03.S012.B0456"), .set("household", "HH-0042"), .set("officer", "B1"),
            .set("subjectCategory", "elderlyAlone"), .set("visitKind", "care"), .set("visitedAt", .int(epoch)),
            .set("subjectName", "Chen Mei-ling"), .set("subjectNationalID", "A223456789"),
        ], origin: origin("T1", wall: 0))
    }

    static func incident(id: String = "case-1") -> RecordState {
        try! RecordSchema.incidentReport.create(id: RecordID(id), [
            .set("receiptNumber", "KH.P03.S012-0000001"), .set("receivedAt", .int(epoch)),
            .set("receivingUnit", "KH.P03.S012"), .set("jurisdictionUnit", "KH.P03.S012"),
            .set("category", "theft"), .set("severity", "ordinary"), .set("narrative", "stolen scooter"),
        ], origin: origin("T1", wall: 0))
    }

    static func signIn(id: String = "sign-1") -> RecordState {
        try! RecordSchema.patrolSignIn.create(id: RecordID(id), [
            .set("officers", .list(["B1", "B2"])), .set("checkpoint", "CP-7-11-ZUOYING"),
            .set("unit", "KH.P03.S012"), .set("signedAt", .int(epoch)), .set("method", "qr"),
            .set("location", .object(["lat": .int(22_687_000), "lon": .int(120_308_000)])),
        ], origin: origin("T1", wall: 0))
    }
}
