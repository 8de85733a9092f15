import FieldSyncClient
import FieldSyncCore
import FieldSyncTesting
import Testing

/// The convergence check the demo and the integration tests rely on must itself catch divergence.
@Suite struct ConvergenceCheckTests {
    let terminal = ReplicaID("terminal-a")
    let other = ReplicaID("terminal-b")

    @Test func identicalStatesAgree() throws {
        let state = try RecordFactory(replica: terminal, station: UnitID("KH.P03.S012"), now: 1_795_420_800_000).patrolSignIn("r1")
        #expect(ConvergenceCheck.differences(local: [state], server: [state], terminal: terminal) == [])
    }

    @Test func aDifferentFieldAMissingRecordOrAnExtraRecordIsReported() throws {
        let factory = RecordFactory(replica: terminal, station: UnitID("KH.P03.S012"), now: 1_795_420_800_000)
        let state = try factory.incidentReport("r1")
        let edited = try factory.apply([.set("location", "elsewhere")], to: state)
        #expect(!ConvergenceCheck.agrees(local: edited, server: state, terminal: terminal))
        #expect(ConvergenceCheck.differences(local: [], server: [state], terminal: terminal) == ["lacks r1"])
        #expect(ConvergenceCheck.differences(local: [state], server: [], terminal: terminal).count == 1)
    }

    @Test func onlyTheTerminalsOwnCounterMayBeAhead() throws {
        let state = try RecordFactory(replica: other, station: UnitID("KH.P03.S012"), now: 1_795_420_800_000).patrolSignIn("r1")
        var rejectedAhead = state
        _ = rejectedAhead.context.advance(terminal)
        #expect(ConvergenceCheck.agrees(local: rejectedAhead, server: state, terminal: terminal))
        #expect(!ConvergenceCheck.agrees(local: rejectedAhead, server: state, terminal: other))
        #expect(!ConvergenceCheck.agrees(local: state, server: rejectedAhead, terminal: terminal))
    }

    /// A pull partly served from cached ranges repeats a record, older first (SPEC §8.4): the check holds
    /// the terminal against the last copy, and a terminal that kept the first one is caught.
    @Test func aRepeatedRecordCountsInItsLastCopy() throws {
        let factory = RecordFactory(replica: terminal, station: UnitID("KH.P03.S012"), now: 1_795_420_800_000)
        let older = try factory.incidentReport("r1")
        let newer = try factory.apply([.set("location", "elsewhere")], to: older)
        let other = try factory.patrolSignIn("r2")
        let pulled = [older, other, newer]
        #expect(ConvergenceCheck.latestCopies(pulled) == [other, newer])
        #expect(ConvergenceCheck.differences(local: [newer, other], server: pulled, terminal: terminal) == [])
        #expect(ConvergenceCheck.differences(local: [older, other], server: pulled, terminal: terminal).count == 1)
    }
}
