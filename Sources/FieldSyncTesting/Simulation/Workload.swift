import FieldSyncCore
import FieldSyncStore

/// The officers' side of a simulation: random writes of every kind the terminals offer, drawn from the
/// run's random stream. Many are refused by the rules (an illegal move, a locked case): that is part of
/// the workload, and a refused write stores nothing.
struct Workload {
    /// A write about to be made: what it is, which record it changes (nil for a create), and the call.
    struct Planned {
        var label: String
        var target: RecordID?
        var perform: (TerminalStore) throws -> StoredRecord
        /// The officer who writes (signed in before `perform`).
        var officer: OfficerID? = nil
    }

    let stations: [UnitID]

    static let visitStatuses: [HouseholdVisitStatus] = [.submitted, .draft, .reviewed]
    static let incidentStatuses: [IncidentReportStatus] = [.investigating, .accepted, .solved, .unsolved, .referred, .closed]

    func plan(for terminal: SimulatedTerminal, records: [StoredRecord], now: Int64,
              _ random: inout SeededRandom) -> Planned {
        let officer = random.pick(terminal.officers)
        var planned = plan(for: terminal, officer: officer, records: records, now: now, &random)
        planned.officer = officer
        return planned
    }

    private func plan(for terminal: SimulatedTerminal, officer: OfficerID, records: [StoredRecord], now: Int64,
                      _ random: inout SeededRandom) -> Planned {
        let station = terminal.station
        let kind = records.isEmpty ? random.int(0...2) : random.weighted([8, 8, 8, 60, 8])
        switch kind {
        case 0:
            let signIn = NewPatrolSignIn(officers: [officer], checkpoint: "CP-\(random.int(1...40))", unit: station,
                                         signedAt: now, method: random.pick(NewPatrolSignIn.Method.allCases))
            return Planned(label: "create patrolSignIn", target: nil) { try $0.createPatrolSignIn(signIn, by: officer) }
        case 1:
            let visit = NewHouseholdVisit(beat: UnitID("\(station.rawValue).B000\(random.int(1...3))"),
                                          household: "H-\(random.int(1...50))", officer: officer,
                                          subjectCategory: "elderlyAlone", visitKind: "care", visitedAt: now,
                                          subjectName: random.percent(50) ? "王小明" : nil)
            return Planned(label: "create householdVisit", target: nil) { try $0.createHouseholdVisit(visit, by: officer) }
        case 2:
            let report = NewIncidentReport(receivedAt: now, receivingUnit: station, category: "theft",
                                           severity: random.pick(["minor", "ordinary", "major"]),
                                           narrative: "Report \(random.hex(6))", reporterName: "陳大文")
            return Planned(label: "create incidentReport", target: nil) { try $0.createIncidentReport(report, by: officer) }
        case 3:
            let record = random.pick(records)
            return edit(record, officer: officer, random: &random)
        default:
            let record = random.pick(records)
            return resolve(record, officer: officer, random: &random)
        }
    }

    private func edit(_ record: StoredRecord, officer: OfficerID, random: inout SeededRandom) -> Planned {
        let id = record.id
        let note = "note \(random.hex(4))"
        func planned(_ label: String, _ perform: @escaping (TerminalStore) throws -> StoredRecord) -> Planned {
            Planned(label: label, target: id, perform: perform)
        }
        func set(_ field: String, _ value: FieldValue) -> Planned {
            planned("set \(field)") { try $0.edit(id, [.set(field, value)], by: officer) }
        }
        switch record.type {
        case .patrolSignIn:
            return planned("void") { try $0.void(id, reason: "wrong checkpoint", by: officer) }
        case .householdVisit:
            let status = random.pick(Self.visitStatuses)
            let followUp = FieldValue.string(random.pick(["revisit", "supervisorReview", "addressUpdate"]))
            switch random.int(0...7) {
            case 0: return set("outcome", .string(random.pick(["met", "notAtHome", "refused"])))
            case 1: return set("riskLevel", .int(Int64(random.int(1...3))))
            case 2: return planned("add followUp") { try $0.addElement(followUp, to: "followUps", of: id, by: officer) }
            case 3: return planned("remove followUp") { try $0.removeElement(followUp, from: "followUps", of: id, by: officer) }
            case 4: return planned("note") { try $0.addNote(to: id, note, by: officer) }
            case 5: return planned("void") { try $0.void(id, reason: "duplicate visit", by: officer) }
            default:
                let extra: [FieldOperation] = status == .reviewed ? [.set("reviewer", .string(officer.rawValue))] : []
                return planned("move \(status)") { try $0.move(id, to: status, with: extra, by: officer) }
            }
        default:
            let status = random.pick(Self.incidentStatuses)
            let destination = random.pick(stations)
            let evidence = FieldValue.string("sha256:" + String(repeating: random.pick(["0", "a", "7"]), count: 64))
            switch random.int(0...9) {
            case 0: return set("severity", .string(random.pick(["minor", "ordinary", "major"])))
            case 1: return set("narrative", .string("Narrative \(random.hex(4))"))
            case 2: return set("location", .string("Lane \(random.int(1...99))"))
            case 3: return planned("add evidence") { try $0.addElement(evidence, to: "evidence", of: id, by: officer) }
            case 4: return planned("remove evidence") { try $0.removeElement(evidence, from: "evidence", of: id, by: officer) }
            case 5: return planned("addendum") { try $0.addNote(to: id, note, by: officer) }
            case 6: return planned("transfer") { try $0.transfer(id, to: destination, reason: "jurisdiction", by: officer) }
            case 7: return planned("void") { try $0.void(id, reason: "entered twice", by: officer) }
            default: return planned("move \(status)") { try $0.move(id, to: status, by: officer) }
            }
        }
    }

    /// A person settles a conflict: keeps one competing value, or writes a new one.
    private func resolve(_ record: StoredRecord, officer: OfficerID, random: inout SeededRandom) -> Planned {
        let id = record.id
        guard let field = record.schema.conflicts(in: record.state)?.fields.first else {
            return Planned(label: "note on unconflicted", target: id) { try $0.addNote(to: id, "checked", by: officer) }
        }
        if random.percent(50), let candidate = field.candidates.first {
            return Planned(label: "resolve \(field.name) by choosing", target: id) {
                try $0.resolveConflict(id, field: field.name, choosing: candidate.dot, by: officer)
            }
        }
        let value = random.pick(field.candidates).value
        return Planned(label: "resolve \(field.name) with a value", target: id) {
            try $0.resolveConflict(id, field: field.name, value: value, by: officer)
        }
    }
}
