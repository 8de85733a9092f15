import FieldSyncCore

/// Reporting deadlines on the server (SPEC §7.4): a unit's overdue cases for supervisors, and the
/// `fieldsync_cases_overdue` metric. The index of open deadlines (`OpenDeadline`) finds the cases; lists
/// are computed from the cases' stored states with the core's functions, at the service's clock.
extension SyncService {
    /// The open deadlines of the cases that concern `unit` (one of their scope units is `unit` or lies
    /// under it): every overdue one and, with `window` (ms), every running one due within it; soonest due
    /// first. The read is audited first: the list names cases.
    /// - Throws: `malformedRequest` for a unit code that is not one, or a window outside 0...31 days.
    public func overdueCases(unit: UnitID, within window: Int64? = nil) async throws -> OverdueCases {
        guard unit.isWellFormed else { throw ServerError(.malformedRequest, "'\(unit)' is not a unit code") }
        if let window, !(0...(31 * 24 * Deadline.hour)).contains(window) {
            throw ServerError(.malformedRequest, "the window must be between 0 and 31 days")
        }
        try await auditRead(subject: unit.rawValue, detail: "cases overdue" + (window.map { " and due within \($0 / 60_000) min" } ?? ""))
        let now = self.now
        let candidates = try await guarded { try await storage.openDeadlines(dueBy: now + (window ?? 0)) }
        var seen = Set<RecordID>()
        var states: [RecordState] = []
        for row in candidates where row.concerns(unit) && seen.insert(row.record).inserted {
            // A record purged since the index was read is simply gone.
            if let record = try await guarded({ try await storage.record(row.record, audit: nil) }) { states.append(record.state) }
        }
        let rows = registry.openDeadlines(in: states, now: now, within: window ?? 0)
            .filter { row in row.units.contains { $0.isWithin(unit) } }
        return OverdueCases(unit: unit, at: now, deadlines: rows)
    }

    /// Sets `fieldsync_cases_overdue{unit,deadline}` from the index: per deadline, the cases overdue now
    /// under each unit and every unit above it (a case of `KH.P03.S012` counts under `KH`, `KH.P03` and
    /// `KH.P03.S012`), so a precinct's dashboard reads its own series. Runs at most once per
    /// `Settings.overdueMetricInterval` (`/metrics` calls it on every scrape).
    public func refreshOverdueMetric() async {
        let now = self.now
        guard metrics.claimOverdueRefresh(now: now, interval: settings.overdueMetricInterval) else { return }
        do {
            let rows = try await guarded { try await storage.overdueCounts(at: now) }
            var counts: [ServerMetrics.OverdueKey: Int] = [:]
            for row in rows {
                for scope in ScopeIndex.scopes(of: row.units) {
                    counts[ServerMetrics.OverdueKey(unit: scope, deadline: row.deadline), default: 0] += row.count
                }
            }
            metrics.setOverdue(counts)
        } catch {
            // The previous counts stay; the failure is counted, and the next scrape tries again.
            metrics.overdueRefreshFailed(now: now)
        }
    }
}

/// The answer to `GET /v1/admin/cases/overdue`: where the deadlines of a unit's cases stand at `at`.
public struct OverdueCases: Hashable, Sendable, Codable {
    /// The unit asked for (its cases and those of every unit under it).
    public var unit: UnitID
    /// The server's clock when the list was computed (ms since 1970).
    public var at: Int64
    /// Overdue deadlines, and running ones due within the window asked for; soonest due first.
    public var deadlines: [DueDeadline]

    public init(unit: UnitID, at: Int64, deadlines: [DueDeadline]) {
        self.unit = unit
        self.at = at
        self.deadlines = deadlines
    }
}
