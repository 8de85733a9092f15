import FieldSyncCore

/// The values of a new household visit (家戶訪查). Codes are those of `HouseholdVisitVocabulary`;
/// the core rejects any other. Subject name, national ID and phone are sealed at rest.
public struct NewHouseholdVisit: Hashable, Sendable {
    public var beat: UnitID
    public var household: String
    public var officer: OfficerID
    public var subjectCategory: String
    public var visitKind: String
    /// Milliseconds since 1970.
    public var visitedAt: Int64
    public var outcome: String?
    public var riskLevel: Int64?
    public var subjectName: String?
    public var subjectNationalID: String?
    public var subjectPhone: String?
    public var followUps: [String]
    public var note: String?

    public init(beat: UnitID, household: String, officer: OfficerID, subjectCategory: String, visitKind: String,
                visitedAt: Int64, outcome: String? = nil, riskLevel: Int64? = nil, subjectName: String? = nil,
                subjectNationalID: String? = nil, subjectPhone: String? = nil, followUps: [String] = [],
                note: String? = nil) {
        self.beat = beat
        self.household = household
        self.officer = officer
        self.subjectCategory = subjectCategory
        self.visitKind = visitKind
        self.visitedAt = visitedAt
        self.outcome = outcome
        self.riskLevel = riskLevel
        self.subjectName = subjectName
        self.subjectNationalID = subjectNationalID
        self.subjectPhone = subjectPhone
        self.followUps = followUps
        self.note = note
    }

    /// The creating write; the core validates it.
    public var operations: [FieldOperation] {
        var operations: [FieldOperation] = [
            .set("beat", .string(beat.rawValue)),
            .set("household", .string(household)),
            .set("officer", .string(officer.rawValue)),
            .set("subjectCategory", .string(subjectCategory)),
            .set("visitKind", .string(visitKind)),
            .set("visitedAt", .int(visitedAt)),
        ]
        if let outcome { operations.append(.set("outcome", .string(outcome))) }
        if let riskLevel { operations.append(.set("riskLevel", .int(riskLevel))) }
        if let subjectName { operations.append(.set("subjectName", .string(subjectName))) }
        if let subjectNationalID { operations.append(.set("subjectNationalID", .string(subjectNationalID))) }
        if let subjectPhone { operations.append(.set("subjectPhone", .string(subjectPhone))) }
        operations += followUps.map { .add("followUps", .string($0)) }
        if let note { operations.append(.append("notes", .string(note))) }
        return operations
    }
}
