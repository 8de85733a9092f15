import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import Foundation

/// After the storm, what every party holds, compared with what it should hold: the server against
/// every record any terminal created, and each terminal against the records its station may see.
/// Which records a station may see is computed here from the created states (their scope units), not
/// taken from the server's answers.
struct StormCheck {
    /// Created records the server does not hold, or holds in another state.
    var serverMissing = 0
    var serverDiffering = 0
    /// (terminal, record) pairs: a record the terminal's station may see that it does not hold, or holds
    /// in a state other than the server's.
    var terminalMissing = 0
    var terminalDiffering = 0
    /// Records a terminal holds that its station may not see.
    var terminalForeign = 0
    var outboxLeft = 0
    var rejected = 0
    var recordsChecked = 0

    var lost: Int { serverMissing + serverDiffering + terminalMissing + terminalDiffering }

    static func run(_ terminals: [StormTerminal], backend: BenchBackend, directory: String) async throws -> StormCheck {
        let server = try await serverRecords(backend: backend, directory: directory)
        var check = StormCheck()
        var visible: [UnitID: Set<RecordID>] = [:]
        let stations = Set(terminals.map(\.station))
        for terminal in terminals {
            for state in terminal.created {
                check.recordsChecked += 1
                if let stored = server[state.id] {
                    if !ConvergenceCheck.agrees(local: state, server: stored, terminal: terminal.replica) { check.serverDiffering += 1 }
                } else {
                    check.serverMissing += 1
                }
                let units = RecordSchema.standardSchema(of: state).scopeUnits(of: state)
                for station in stations where units.contains(where: { $0.isWithin(station) }) {
                    visible[station, default: []].insert(state.id)
                }
            }
        }
        let expected = visible
        let parts = try await withThrowingTaskGroup(of: StormCheck.self) { group in
            for lane in 0..<2 {
                group.addTask {
                    try await onThread {
                        var part = StormCheck()
                        for terminal in stride(from: lane, to: terminals.count, by: 2).map({ terminals[$0] }) {
                            try part.compare(terminal, expected: expected[terminal.station] ?? [], server: server)
                        }
                        return part
                    }
                }
            }
            return try await group.reduce(into: [StormCheck]()) { $0.append($1) }
        }
        for part in parts {
            check.terminalMissing += part.terminalMissing
            check.terminalDiffering += part.terminalDiffering
            check.terminalForeign += part.terminalForeign
            check.outboxLeft += part.outboxLeft
            check.rejected += part.rejected
        }
        return check
    }

    mutating func compare(_ terminal: StormTerminal, expected: Set<RecordID>, server: [RecordID: RecordState]) throws {
        let held = try terminal.store.records().map(\.state)
        var heldIDs = Set<RecordID>()
        for state in held {
            heldIDs.insert(state.id)
            if !expected.contains(state.id) {
                terminalForeign += 1
            } else if let stored = server[state.id], !ConvergenceCheck.agrees(local: state, server: stored, terminal: terminal.replica) {
                terminalDiffering += 1
            }
        }
        terminalMissing += expected.subtracting(heldIDs).count
        outboxLeft += try terminal.store.pendingPushCount()
        rejected += try terminal.store.rejectedChanges().count
    }

    /// Every record the server holds, read through the storage port with a bureau-wide scope.
    static func serverRecords(backend: BenchBackend, directory: String) async throws -> [RecordID: RecordState] {
        let storage = try await backend.open(directory: directory)
        var records: [RecordID: RecordState] = [:]
        var cursor: UInt64 = 0
        while true {
            let page = try await storage.pullPage(after: cursor, scopes: [UnitID("KH")], limit: 1_000)
            for json in page.states {
                let state = try RecordStateJSON.decode(json)
                records[state.id] = state
            }
            cursor = page.cursor
            if !page.hasMore { break }
        }
        await backend.close(storage)
        return records
    }

    func print() {
        Swift.print("checked: \(recordsChecked) created records against the server: \(serverMissing) missing, \(serverDiffering) differing; "
                    + "terminals: \(terminalMissing) records missing, \(terminalDiffering) differing from the server, "
                    + "\(terminalForeign) of another station, \(outboxLeft) left in outboxes, \(rejected) rejected")
        Swift.print("lost records: \(lost) (goal 0)")
    }
}
