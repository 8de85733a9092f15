import FieldSyncCore
import FieldSyncServer
import Foundation

/// Reporting deadlines on the server (issue 18): a unit's overdue cases and the overdue metric follow the
/// stored records on each backend, with the harness's clock injected into the service.
extension StorageConformance {
    static let overdueCases = Case(name: "a unit's overdue cases and the overdue counts follow the records: missed, met late, met in time, transferred, purged") { h in
        let hour = Deadline.hour
        let kh = UnitID("KH"), precinctA = UnitID("KH.P03")
        let (deviceA, _, enrolledA) = try await h.enroll(stationA)
        let (deviceB, _, enrolledB) = try await h.enroll(stationB)
        /// The device's factory writing at the service's clock now.
        func writer(_ factory: RecordFactory) -> RecordFactory {
            var factory = factory
            factory.now = h.clock.now
            return factory
        }
        func overdue(_ unit: UnitID, within: Int64? = nil) async throws -> [String] {
            try await h.service.overdueCases(unit: unit, within: within).deadlines.map { row in
                "\(row.record.rawValue) \(row.status.deadline) \(row.status.outcome.rawValue)"
            }
        }
        /// The metric's value for the series, after a recount (the clock moves past the recount interval).
        func gauge(_ unit: UnitID, _ deadline: String) async -> Int? {
            h.clock.advance(milliseconds: h.service.settings.overdueMetricInterval)
            await h.service.refreshOverdueMetric()
            let prefix = "fieldsync_cases_overdue{unit=\"\(unit.rawValue)\",deadline=\"\(deadline)\"} "
            return h.service.metrics.exposition().split(separator: "\n").first { $0.hasPrefix(prefix) }
                .flatMap { Double($0.dropFirst(prefix.count)) }.map { Int($0) }
        }

        let major = try writer(enrolledA).apply([.set("severity", "major")], to: try writer(enrolledA).incidentReport("major"))
        var minor = try writer(enrolledB).apply([.set("status", "receiptIssued")], to: try writer(enrolledB).incidentReport("minor"))
        try expect(try await h.push([major], from: deviceA)[0].acceptedSequence != nil, "major case accepted")
        try expect(try await h.push([minor], from: deviceB)[0].acceptedSequence != nil, "minor case accepted")

        // At receipt: nothing overdue; the major case's hour runs, under its station, precinct and city only.
        try expect(try await overdue(kh).isEmpty, "nothing overdue at receipt")
        try expect(try await overdue(precinctA, within: 2 * hour) == ["major majorCaseNotified running"], "the hour runs")
        try expect(try await overdue(UnitID("KH.P05"), within: 2 * hour).isEmpty, "not another precinct's")
        try expect(await gauge(kh, "majorCaseNotified") == nil, "no series before anything is overdue")

        // Two hours on, not notified: overdue, listed and counted under every unit above the station.
        h.clock.advance(milliseconds: 2 * hour)
        try expect(try await overdue(stationA) == ["major majorCaseNotified overdue"], "missed: listed for the station")
        try expect(try await overdue(kh) == ["major majorCaseNotified overdue"], "and for the city")
        try expect(try await overdue(stationB).isEmpty, "not for another station")
        for unit in [kh, precinctA, stationA] {
            try expect(await gauge(unit, "majorCaseNotified") == 1, "counted under \(unit)")
        }

        // Notified late: met (late) is not open; the list clears and the series goes to 0.
        let notified = try writer(enrolledA).apply([.set("notifiedAt", .int(h.clock.now))], to: major)
        try expect(try await h.push([notified], from: deviceA)[0].acceptedSequence != nil, "notification accepted")
        try expect(try await overdue(kh).isEmpty, "met late: no longer overdue")
        try expect(await gauge(precinctA, "majorCaseNotified") == 0, "the series clears")

        // 47 h after receipt B enters its case into the national system (in time); A does not.
        h.clock.advance(milliseconds: 45 * hour)
        minor = try writer(enrolledB).apply([.set("nationalSystemEnteredAt", .int(h.clock.now))], to: minor)
        try expect(try await h.push([minor], from: deviceB)[0].acceptedSequence != nil, "entry accepted")
        h.clock.advance(milliseconds: 2 * hour)
        try expect(try await overdue(kh) == ["major nationalSystemEntry overdue"], "only the missed entry is overdue")
        try expect(await gauge(kh, "nationalSystemEntry") == 1, "counted for the city")
        try expect(await gauge(UnitID("KH.P05"), "nationalSystemEntry") == nil, "not for B's precinct")

        // B transfers its case to A's station: acceptance (24 h) and the reporter's letter (72 h) run for
        // both stations; a day and more on, acceptance is overdue until A accepts.
        let move: FieldValue = .object(["from": .string(stationB.rawValue), "to": .string(stationA.rawValue), "reason": "jurisdiction"])
        minor = try writer(enrolledB).apply([.set("jurisdictionUnit", .string(stationA.rawValue)), .append("transfers", move),
                                             .set("status", "transferred")], to: minor)
        try expect(try await h.push([minor], from: deviceB)[0].acceptedSequence != nil, "transfer accepted")
        try expect(try await overdue(stationA, within: 25 * hour).contains("minor transferAccepted running"), "acceptance runs for the new station")
        h.clock.advance(milliseconds: 25 * hour)
        try expect(try await overdue(stationB) == ["minor transferAccepted overdue"], "overdue for the station that sent it")
        try expect(try await overdue(stationA) == ["major nationalSystemEntry overdue", "minor transferAccepted overdue"],
                   "and for the one it went to, soonest due first")
        let accepted = try writer(enrolledA).apply([.set("status", "accepted")], to: minor)
        try expect(try await h.push([accepted], from: deviceA)[0].acceptedSequence != nil, "A accepts")
        try expect(try await overdue(stationA, within: 72 * hour) == ["major nationalSystemEntry overdue", "minor reporterToldOfTransfer running"],
                   "accepted late: the letter still runs")

        // A purged case leaves the lists and the counts.
        try await h.service.purge(RecordID("major"), reason: "retention")
        try expect(try await overdue(kh).isEmpty, "purged: gone")
        try expect(await gauge(kh, "nationalSystemEntry") == 0, "and uncounted")

        // Bad input is refused with a typed error, and the reads were audited.
        try await expectServerError(.malformedRequest) { _ = try await h.service.overdueCases(unit: UnitID("kh p03")) }
        try await expectServerError(.malformedRequest) { _ = try await h.service.overdueCases(unit: kh, within: -1) }
        let reads = try await h.storage.auditEntries(after: 0, limit: 10_000).filter { $0.draft.kind == .adminRead && $0.draft.detail.hasPrefix("cases overdue") }
        try expect(reads.count >= 10 && reads.contains { $0.draft.subject == "KH.P03" }, "every list read is audited")
        try expect(try await h.service.verifyAudit().isIntact, "the index verifies against the stored states")
    }
}
