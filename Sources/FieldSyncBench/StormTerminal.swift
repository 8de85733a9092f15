import FieldSyncCore
import FieldSyncStore
import Foundation

/// One terminal of the storm: its own store file, the station it belongs to, and the records it wrote
/// offline (the states as its store held them after each write).
struct StormTerminal: Sendable {
    let index: Int
    let station: UnitID
    let replica: ReplicaID
    let store: TerminalStore
    let created: [RecordState]

    /// Opens a store per enrollment and writes `recordsEach` records in it, on two threads.
    static func makeAll(_ enrollments: [EnrollResponse], stations: [UnitID], recordsEach: Int,
                        directory: String) async throws -> [StormTerminal] {
        let lanes = 2
        return try await withThrowingTaskGroup(of: [StormTerminal].self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    try await onThread {
                        try stride(from: lane, to: enrollments.count, by: lanes).map { index in
                            try make(index: index, enrollment: enrollments[index], stations: stations,
                                     recordsEach: recordsEach, directory: directory)
                        }
                    }
                }
            }
            var all: [StormTerminal] = []
            for try await part in group { all += part }
            return all.sorted { $0.index < $1.index }
        }
    }

    /// A working day offline: six in ten writes are patrol sign-ins, three household visits in the
    /// station's beats, one an incident report; one report in four was received for another station's
    /// jurisdiction, which makes it visible there too. Three officers share the terminal.
    static func make(index: Int, enrollment: EnrollResponse, stations: [UnitID], recordsEach: Int,
                     directory: String) throws -> StormTerminal {
        // Three officers share the terminal and sign in in turn; scrypt at a token cost keeps setup quick.
        let officers = (0..<3).map { OfficerID(String(format: "KH%05d", index * 3 + $0)) }
        let keys = StoreKeys(cost: KeyDerivationCost(rounds: 1 << 4, blockSize: 1))
        let store = try TerminalStore(path: "\(directory)/t\(index).sqlite", access: .create(officer: officers[0], passphrase: "storm"),
                                      keys: keys)
        for officer in officers.dropFirst() { try store.addOfficer(officer, passphrase: "storm") }
        try store.saveEnrollment(enrollment)
        let station = enrollment.station
        let neighbour = stations[(stations.firstIndex(of: station)! + 1) % stations.count]
        let now = WallClock.milliseconds(Date())
        var created: [RecordState] = []
        for number in 0..<recordsEach {
            let officer = OfficerID(String(format: "KH%05d", index * 3 + number % 3))
            if store.signedInOfficer != officer { try store.signIn(officer, passphrase: "storm") }
            let record: StoredRecord
            switch number % 10 {
            case 0..<6:
                record = try store.createPatrolSignIn(NewPatrolSignIn(
                    officers: [officer, OfficerID(String(format: "KH%05d", index * 3 + (number + 1) % 3))],
                    checkpoint: "CP-\(station.rawValue)-\(number % 40)", unit: station, signedAt: now - Int64(number) * 60_000,
                    method: .qr, location: (22_627_278 + Int64(number), 120_301_435), accuracyMetres: 8), by: officer)
            case 6..<9:
                record = try store.createHouseholdVisit(NewHouseholdVisit(
                    beat: UnitID("\(station.rawValue).B\(String(format: "%02d", index % 27))"), household: "H-\(index)-\(number)",
                    officer: officer, subjectCategory: "elderlyAlone", visitKind: "care", visitedAt: now - Int64(number) * 60_000,
                    outcome: "met", riskLevel: 1, subjectName: "王小明", subjectPhone: "0912-345-678",
                    note: "Lives alone on the third floor; neighbour checks in daily."), by: officer)
            default:
                record = try store.createIncidentReport(NewIncidentReport(
                    receivedAt: now - Int64(number) * 60_000, receivingUnit: station,
                    jurisdictionUnit: number % 40 == 9 ? neighbour : nil, category: "theft", severity: "minor",
                    narrative: "Scooter KHH-\(index % 977) stolen from the lane behind the night market between 21:00 and 22:30.",
                    reporterName: "林志豪", reporterContact: "0912-345-678", location: "Ruifeng night market, Gushan"), by: officer)
            }
            created.append(record.state)
        }
        return StormTerminal(index: index, station: station, replica: enrollment.replica, store: store, created: created)
    }
}
