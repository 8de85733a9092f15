/// What `fieldsync demo` proved, for `--json` and for the test that runs the demo.
struct DemoOutcome: Sendable, Codable {
    struct TerminalRow: Sendable, Codable {
        var terminal: String
        var station: String
        var records: Int
        var visibleOnServer: Int
        var identical: Bool
        var outbox: Int
        var openConflicts: Int
        var rejectedKept: Int
    }

    var converged: Bool
    var problems: [String]
    var terminals: [TerminalRow]
    /// Fields that held concurrent values after the storm, and how many of them a policy decided.
    var concurrentFields: Int
    var decidedByPolicy: Int
    var resolvedByPerson: Int
    var rejectedChanges: Int
    var auditEntriesChecked: Int
    var auditIntact: Bool
    /// Open reporting deadlines due within the hour at station A's desk after the storm.
    var deadlinesAtRisk = 0
    /// The server lists the same cases at risk for the station as its terminal does.
    var serverListsAtRisk = false
    /// Whether the transferred case's deadlines were met, and alike on every terminal holding it.
    var deadlinesMetEverywhere = false
    var seconds: Double = 0
}
