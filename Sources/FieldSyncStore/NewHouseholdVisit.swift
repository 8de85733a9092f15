import FieldSyncCore

/// The values of a new household visit (家戶訪查). Codes are those of `HouseholdVisitVocabulary`;
/// the core rejects any other. Subject name, national ID and phone are sealed at rest.
public struct NewHouseholdVisit: Hashable, Sendable {
    /// The beat the household lies in: a scope field (it decides which terminals see the visit).
    /// Never changes.
    public var beat: UnitID
    /// The household's reference, 1-64 bytes. Never changes.
    public var household: String
    /// The beat officer responsible for the visit. Never changes.
    public var officer: OfficerID
    /// One of `HouseholdVisitVocabulary.subjectCategories`.
    public var subjectCategory: String
    /// One of `HouseholdVisitVocabulary.visitKinds`.
    public var visitKind: String
    /// Milliseconds since 1970.
    public var visitedAt: Int64
    /// One of `HouseholdVisitVocabulary.outcomes`, or nil when not recorded yet.
    public var outcome: String?
    /// 1 (low) to 3 (high), or nil.
    public var riskLevel: Int64?
    /// 1-200 bytes; sealed at rest.
    public var subjectName: String?
    /// A national ID or resident certificate number (a letter, then 9 characters); sealed at rest.
    public var subjectNationalID: String?
    /// 6-20 of digits, spaces, `+`, `-`, `(`, `)`; sealed at rest.
    public var subjectPhone: String?
    /// Codes of `HouseholdVisitVocabulary.followUps`, each added to the `followUps` set.
    public var followUps: [String]
    /// The first entry of the `notes` log (1-4,000 bytes), or nil for none.
    public var note: String?

    /// The values as given; nothing is checked until the store creates the record.
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
