import FieldSyncCore

/// The values of a new incident report (報案). The receipt number is not among them: the store issues
/// it from the leased block in the same transaction that stores the report, so a number is never
/// issued without its report nor a report stored without its number.
public struct NewIncidentReport: Hashable, Sendable {
    /// Milliseconds since 1970.
    public var receivedAt: Int64
    /// The unit that took the report: a scope field. Never changes.
    public var receivingUnit: UnitID
    /// Defaults to the receiving unit.
    public var jurisdictionUnit: UnitID?
    /// One of `IncidentReportVocabulary.categories`.
    public var category: String
    /// `minor`, `ordinary` or `major`.
    public var severity: String
    /// The reporter's account, 1-20,000 bytes. A `manual` field: concurrent edits wait for a person.
    public var narrative: String
    /// 1-200 bytes; sealed at rest.
    public var reporterName: String?
    /// A national ID or resident certificate number; sealed at rest.
    public var reporterNationalID: String?
    /// How to reach the reporter, 1-200 bytes; sealed at rest.
    public var reporterContact: String?
    /// Where it happened, 1-300 bytes of free text.
    public var location: String?

    /// The values as given; nothing is checked until the store creates the record.
    public init(receivedAt: Int64, receivingUnit: UnitID, jurisdictionUnit: UnitID? = nil, category: String,
                severity: String, narrative: String, reporterName: String? = nil, reporterNationalID: String? = nil,
                reporterContact: String? = nil, location: String? = nil) {
        self.receivedAt = receivedAt
        self.receivingUnit = receivingUnit
        self.jurisdictionUnit = jurisdictionUnit
        self.category = category
        self.severity = severity
        self.narrative = narrative
        self.reporterName = reporterName
        self.reporterNationalID = reporterNationalID
        self.reporterContact = reporterContact
        self.location = location
    }

    /// The creating write for `receiptNumber`: the report starts in `receiptIssued`, because the
    /// reporter is handed the receipt on the spot.
    public func operations(receiptNumber: String) -> [FieldOperation] {
        var operations: [FieldOperation] = [
            .set("receiptNumber", .string(receiptNumber)),
            .set("receivedAt", .int(receivedAt)),
            .set("receivingUnit", .string(receivingUnit.rawValue)),
            .set("jurisdictionUnit", .string((jurisdictionUnit ?? receivingUnit).rawValue)),
            .set("category", .string(category)),
            .set("severity", .string(severity)),
            .set("narrative", .string(narrative)),
            .set("status", .string(IncidentReportStatus.receiptIssued.rawValue)),
        ]
        if let reporterName { operations.append(.set("reporterName", .string(reporterName))) }
        if let reporterNationalID { operations.append(.set("reporterNationalID", .string(reporterNationalID))) }
        if let reporterContact { operations.append(.set("reporterContact", .string(reporterContact))) }
        if let location { operations.append(.set("location", .string(location))) }
        return operations
    }
}
