/// The name of a record type on the wire (`patrolSignIn`, `householdVisit`, `incidentReport`).
public struct RecordType: StringIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let patrolSignIn = RecordType("patrolSignIn")
    public static let householdVisit = RecordType("householdVisit")
    public static let incidentReport = RecordType("incidentReport")
}
