import FieldSyncCore

/// The values of a new incident report (報案). The receipt number is not among them: the store issues
/// it from the leased block in the same transaction that stores the report, so a number is never
/// issued without its report nor a report stored without its number.
public struct NewIncidentReport: Hashable, Sendable {
    /// Milliseconds since 1970.
    public var receivedAt: Int64
    public var receivingUnit: UnitID
    /// Defaults to the receiving unit.
    public var jurisdictionUnit: UnitID?
    /// One of `IncidentReportVocabulary.categories`.
    public var category: String
    /// `minor`, `ordinary` or `major`.
    public var severity: String
    public var narrative: String
    public var reporterName: String?
    public var reporterNationalID: String?
    public var reporterContact: String?
    public var location: String?

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
