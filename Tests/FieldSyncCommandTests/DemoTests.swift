@testable import fieldsync
import FieldSyncTesting
import Testing

/// `fieldsync demo` is the newcomer's first contact: it must converge, show its conflicts and
/// resolutions, and verify the audit chain, every time.
@Suite struct DemoTests {
    @Test func theDemoConvergesOverRealHTTP() async throws {
        let lines = LockedValue<[String]>([])
        let outcome = try await DemoScenario(say: { line in lines.update { $0.append(line) } }).run()

        #expect(outcome.converged, "problems: \(outcome.problems)")
        #expect(outcome.problems.isEmpty)
        #expect(outcome.terminals.count == 6)
        #expect(outcome.terminals.allSatisfy { $0.identical && $0.outbox == 0 && $0.openConflicts == 0 })
        #expect(outcome.terminals.allSatisfy { $0.records == $0.visibleOnServer && $0.records > 0 })
        #expect(outcome.resolvedByPerson == 1, "the concurrent narratives need a person")
        #expect(outcome.decidedByPolicy >= 1, "the concurrent locations are decided by last writer wins")
        #expect(outcome.rejectedChanges == 1, "the edit to the closed case is refused and kept")
        #expect(outcome.auditIntact && outcome.auditEntriesChecked > 0)
        #expect(outcome.deadlinesAtRisk == 1, "the major case nobody notified is due within the hour")
        #expect(outcome.serverListsAtRisk, "the server lists the same case at risk for the station's supervisor")
        #expect(outcome.deadlinesMetEverywhere, "the transfer's deadlines were met on other terminals")
        let text = lines.get().joined(separator: "\n")
        #expect(text.contains("NEEDS A PERSON"))
        #expect(text.contains("CONVERGED"))
        #expect(text.contains("AT RISK: majorCaseNotified"))
    }

    @Test func longLinesWrapAtEightyColumns() {
        let line = "  " + String(repeating: "word ", count: 40)
        let wrapped = Text.wrap(line)
        #expect(wrapped.count > 1)
        #expect(wrapped.allSatisfy { $0.count <= 80 })
        #expect(wrapped.dropFirst().allSatisfy { $0.hasPrefix("    ") })
        #expect(Text.wrap("short") == ["short"])
    }
}

/// Small pieces of the CLI's text and argument handling.
@Suite struct CommandTextTests {
    @Test func tablesAreClippedToEightyColumnsAndStayAligned() {
        let rows = Text.table(["id", "text"], [["r1", String(repeating: "x", count: 200)], ["r2", "short"]])
        #expect(rows.allSatisfy { $0.count <= 80 })
        #expect(rows[2].hasSuffix("…"))
        #expect(rows[3] == "r2  short")
    }

    @Test func assignmentsReadJSONValuesAndFallBackToText() throws {
        #expect(try FieldAssignment("riskLevel=2").value == .int(2))
        #expect(try FieldAssignment("severity=major").value == .string("major"))
        #expect(try FieldAssignment(#"officers=["KH1","KH2"]"#).value == .list([.string("KH1"), .string("KH2")]))
        #expect(try FieldAssignment("narrative=a=b").value == .string("a=b"))
        #expect(throws: CLIFailure.self) { try FieldAssignment("=x") }
        #expect(throws: CLIFailure.self) { try FieldAssignment("noequals") }
    }
}
