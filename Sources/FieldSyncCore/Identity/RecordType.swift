/// The name of a record type on the wire (`patrolSignIn`, `householdVisit`, `incidentReport`).
public struct RecordType: StringIdentifier {
    /// The wire name, e.g. `incidentReport`.
    public let rawValue: String
    /// Wraps `rawValue` as it is; whether a replica knows the type is `SchemaRegistry`'s to say.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// `patrolSignIn`: the type of `RecordSchema.patrolSignIn`.
    public static let patrolSignIn = RecordType("patrolSignIn")
    /// `householdVisit`: the type of `RecordSchema.householdVisit`.
    public static let householdVisit = RecordType("householdVisit")
    /// `incidentReport`: the type of `RecordSchema.incidentReport`.
    public static let incidentReport = RecordType("incidentReport")
}
