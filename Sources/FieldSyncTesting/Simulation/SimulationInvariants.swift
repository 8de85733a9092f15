internal import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import Foundation

/// What must hold after every run, whatever the faults did (issue 8):
/// 1. every replica that may see a record holds the same state as the server (and so as each other);
/// 2. every write a terminal accepted is integrated in the record's final version vector, or kept in the
///    terminal's rejected changes; each of its values is still held, or kept there, or was dropped by
///    a later write that saw it;
/// 3. every terminal's outbox is empty and nothing was held back from a pull;
/// 4. no receipt number names two cases; every rejection is quarantined on the server; the audit chain
///    is intact.
struct SimulationInvariants {
    let simulation: Simulation

    func check() async -> [String] {
        do {
            return try await violations()
        } catch {
            return ["reading the final states failed: \(error)"]
        }
    }

    private func violations() async throws -> [String] {
        let service = simulation.server.frontEnd(0)
        let server = try await serverStates(scopes: Simulation.stationCodes, service)
        let quarantined = Set(try await service.quarantine(limit: 1_000_000).map { "\($0.record.rawValue) \($0.replica.rawValue)" })
        var problems: [String] = []
        var rejectedByTerminal: [String: [RejectedChange]] = [:]
        for terminal in simulation.terminals {
            let store = terminal.store
            let replica = try terminal.replica
            if try store.pendingPushCount() > 0 {
                problems.append("\(terminal.name): \(try store.pendingPushCount()) records still wait in the outbox")
            }
            if try !store.heldRecords().isEmpty {
                problems.append("\(terminal.name): pulled states were held back: \(try store.heldRecords().map(\.reason))")
            }
            let visible = try await serverStates(scopes: Device.scopes(ofStation: terminal.station), service)
            let differences = ConvergenceCheck.differences(local: try store.records().map(\.state), server: Array(visible.values),
                                                           terminal: replica)
            problems += differences.map { "\(terminal.name) (\(replica)) \($0)" }
            let rejected = try store.rejectedChanges()
            rejectedByTerminal[terminal.name] = rejected
            for change in rejected where !quarantined.contains("\(change.recordID.rawValue) \(replica.rawValue)") {
                problems.append("\(terminal.name): rejection of \(change.recordID) (\(change.rejection.code)) is not in the server's quarantine")
            }
        }
        problems += writeProblems(server: server, rejected: rejectedByTerminal)
        problems += try await resurrectionProblems(rejected: rejectedByTerminal, service)
        problems += receiptProblems(server: server)
        let audit = try await service.verifyAudit()
        if !audit.isIntact { problems.append("the audit chain is broken at \(audit.firstBadSequence ?? 0): \(audit.problem?.rawValue ?? "")") }
        return problems
    }

    private func writeProblems(server: [RecordID: RecordState], rejected: [String: [RejectedChange]]) -> [String] {
        var problems: [String] = []
        let ledger = simulation.ledger
        for write in ledger.writes {
            let final = server[write.record]
            let kept = (rejected[write.terminal] ?? []).filter { $0.recordID == write.record }.map(\.localState)
            let name = "'\(write.label)' on \(write.terminal) to \(write.record)"
            for dot in write.dots where final?.context.contains(dot) != true && !kept.contains(where: { $0.context.contains(dot) }) {
                problems.append("write \(dot) (\(name)) is lost: neither in the final state's vector nor in the rejected changes")
            }
            for (field, entry) in write.entries {
                if final?.entries(field).contains(entry) == true { continue }
                if kept.contains(where: { $0.entries(field).contains(entry) }) { continue }
                if ledger.writes(to: write.record).contains(where: { $0.dropped(entry, in: field) }) { continue }
                problems.append("value \(entry.dot) of \(field) (\(name)) vanished without a write that saw it")
            }
        }
        return problems
    }

    /// Refusals are final: the writes a terminal abandoned when the server refused them (its own values
    /// in the refused state that the server's state had not seen) never enter the server's history.
    private func resurrectionProblems(rejected: [String: [RejectedChange]], _ service: SyncService) async throws -> [String] {
        var problems: [String] = []
        for terminal in simulation.terminals {
            let replica = try terminal.replica
            for change in rejected[terminal.name] ?? [] {
                let seen = change.serverState?.context ?? VersionVector()
                let abandoned = change.localState.heldDots.filter { $0.replica == replica && !seen.contains($0) }
                guard !abandoned.isEmpty else { continue }
                for entry in try await service.storage.history(of: change.recordID) {
                    for dot in entry.delta.heldDots.intersection(abandoned) {
                        problems.append("\(terminal.name): write \(dot) of \(change.recordID) was refused (\(change.rejection.code)) and abandoned, yet the server accepted it at seq \(entry.sequence)")
                    }
                }
            }
        }
        return problems
    }

    private func receiptProblems(server: [RecordID: RecordState]) -> [String] {
        var problems: [String] = []
        var issued: [String: RecordID] = [:]
        for write in simulation.ledger.writes {
            guard let number = write.receiptNumber else { continue }
            if let other = issued[number], other != write.record {
                problems.append("receipt number \(number) was issued to \(other) and \(write.record)")
            }
            issued[number] = write.record
        }
        var onServer: [String: RecordID] = [:]
        for state in server.values.sorted(by: { $0.id.rawValue < $1.id.rawValue }) where state.type == .incidentReport {
            for entry in state.entries("receiptNumber") {
                guard let number = entry.value.stringValue else { continue }
                if let other = onServer[number], other != state.id {
                    problems.append("the server holds receipt number \(number) on \(other) and \(state.id)")
                }
                onServer[number] = state.id
            }
        }
        return problems
    }

    /// The server's current states visible to `scopes`, read from storage.
    private func serverStates(scopes: [UnitID], _ service: SyncService) async throws -> [RecordID: RecordState] {
        var states: [RecordID: RecordState] = [:]
        var cursor: UInt64 = 0
        let decoder = JSONDecoder()
        while true {
            let page = try await service.storage.pullPage(after: cursor, scopes: scopes, limit: 1_000)
            for json in page.states {
                let state = try decoder.decode(RecordState.self, from: json)
                states[state.id] = state
            }
            cursor = page.cursor
            if !page.hasMore { return states }
        }
    }
}
