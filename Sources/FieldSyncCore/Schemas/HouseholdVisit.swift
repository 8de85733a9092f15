extension RecordSchema {
    /// Household visit (家戶訪查) by a beat officer. Notes come from several officers (append log),
    /// follow-up flags are a set, and a reviewed visit is locked except for notes.
    public static let householdVisit = RecordSchema(type: .householdVisit, version: 1, fields: [
        FieldSchema("beat", .unit, .immutable, required: true, scope: true),
        FieldSchema("household", .text(maxLength: 64), .immutable, required: true),
        FieldSchema("officer", .officer, .immutable, required: true),
        FieldSchema("subjectCategory", .code(HouseholdVisitVocabulary.subjectCategories), .lastWriterWins, required: true),
        FieldSchema("visitKind", .code(HouseholdVisitVocabulary.visitKinds), .lastWriterWins, required: true),
        FieldSchema("visitedAt", .timestamp, .lastWriterWins, required: true),
        FieldSchema("outcome", .code(HouseholdVisitVocabulary.outcomes), .lastWriterWins),
        FieldSchema("riskLevel", .integer(1...3), .lastWriterWins),
        FieldSchema("subjectName", .text(maxLength: 200), .lastWriterWins, sensitive: true),
        FieldSchema("subjectNationalID", .nationalID, .lastWriterWins, sensitive: true),
        FieldSchema("subjectPhone", .phone, .lastWriterWins, sensitive: true),
        FieldSchema("notes", .text(maxLength: 4_000), .appendLog, addendum: true),
        FieldSchema("followUps", .code(HouseholdVisitVocabulary.followUps), .addWinsSet),
        FieldSchema("status", .code(HouseholdVisitStatus.allCases.map(\.rawValue)), .lifecycle(HouseholdVisitStatus.lifecycle)),
        FieldSchema("reviewer", .officer, .lastWriterWins),
        FieldSchema("voidReason", .text(maxLength: 500), .lastWriterWins),
    ])
}

/// The states of a household visit's `status`, in rank order (SPEC §7.2). Initial `draft`;
/// `draft → submitted | voided`, `submitted → draft | reviewed | voided`; `reviewed` and `voided` lock the
/// visit (only notes may still be added); `reviewed` requires `reviewer`, `voided` requires `voidReason`.
public enum HouseholdVisitStatus: String, CaseIterable, Sendable {
    /// A state of the visit; the raw value is the wire value of `status`.
    case draft, submitted, reviewed, voided

    static let lifecycle = Lifecycle(
        states: allCases.map(\.rawValue), initial: "draft",
        // A reviewer may send a submitted visit back to draft.
        transitions: ["draft": ["submitted", "voided"], "submitted": ["draft", "reviewed", "voided"]],
        lockingStates: ["reviewed", "voided"],
        requirements: ["reviewed": ["reviewer"], "voided": ["voidReason"]])
}

/// The codes a household visit's code fields accept (`invalidValue` for any other).
public enum HouseholdVisitVocabulary {
    /// Codes of `subjectCategory`: why the household is visited.
    public static let subjectCategories = [
        "securityConcern", "drugSupervision", "sexOffender", "domesticViolence", "stalkingVictim",
        "highRiskYouth", "vulnerableFamily", "elderlyAlone", "lowIncome", "foreignResident", "villageChief",
    ]
    /// Codes of `visitKind`.
    public static let visitKinds = ["inspection", "restraintTalk", "care", "advocacy", "warning"]
    /// Codes of `outcome`: whether the subject was met.
    public static let outcomes = ["met", "notAtHome", "refused", "movedAway"]
    /// Codes of the `followUps` set.
    public static let followUps = ["socialServicesReferral", "detectiveReferral", "revisit", "supervisorReview", "addressUpdate"]
}
