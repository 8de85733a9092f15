import CoreMetrics
import FieldSyncCore
import Prometheus
import Synchronization

/// The server's metrics, made through an explicit factory over the server's own Prometheus registry:
/// no global `MetricsSystem.bootstrap`, so tests can build many servers in one process.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    let batchesApplied: CoreMetrics.Counter
    let batchesReplayed: CoreMetrics.Counter
    let recordsAccepted: CoreMetrics.Counter
    let conflictsCreated: CoreMetrics.Counter
    let conflictsResolved: CoreMetrics.Counter
    let pullLag: CoreMetrics.Recorder
    let pulledRecords: CoreMetrics.Counter
    /// Pulled records sent from the page-range cache (copied compressed bytes, no read, no deflate).
    let pageCacheRecords: CoreMetrics.Counter
    let activeTerminals: CoreMetrics.Gauge
    let attemptsLimited: CoreMetrics.Counter
    private let rejected = Mutex<[RejectionCode: CoreMetrics.Counter]>([:])
    private let overdue = Mutex<OverdueGauges>(OverdueGauges())
    let overdueRefreshFailures: CoreMetrics.Counter
    private let latency = Mutex<[String: CoreMetrics.Timer]>([:])

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultValueHistogramBuckets = [0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]
        self.factory = factory
        batchesApplied = CoreMetrics.Counter(label: "fieldsync_push_batches_total", dimensions: [("outcome", "applied")], factory: factory)
        batchesReplayed = CoreMetrics.Counter(label: "fieldsync_push_batches_total", dimensions: [("outcome", "replayed")], factory: factory)
        recordsAccepted = CoreMetrics.Counter(label: "fieldsync_records_accepted_total", factory: factory)
        conflictsCreated = CoreMetrics.Counter(label: "fieldsync_conflicts_created_total", factory: factory)
        conflictsResolved = CoreMetrics.Counter(label: "fieldsync_conflicts_resolved_total", factory: factory)
        pullLag = CoreMetrics.Recorder(label: "fieldsync_pull_lag_changes", factory: factory)
        pulledRecords = CoreMetrics.Counter(label: "fieldsync_pulled_records_total", factory: factory)
        pageCacheRecords = CoreMetrics.Counter(label: "fieldsync_pulled_records_cached_total", factory: factory)
        attemptsLimited = CoreMetrics.Counter(label: "fieldsync_unauthenticated_attempts_limited_total", factory: factory)
        activeTerminals = CoreMetrics.Gauge(label: "fieldsync_active_terminals", factory: factory)
        overdueRefreshFailures = CoreMetrics.Counter(label: "fieldsync_cases_overdue_refresh_failures_total", factory: factory)
    }

    /// One series of `fieldsync_cases_overdue`.
    struct OverdueKey: Hashable {
        var unit: String
        var deadline: String
    }

    private struct OverdueGauges {
        var gauges: [OverdueKey: CoreMetrics.Gauge] = [:]
        /// When the last recount started (ms since 1970), nil before the first.
        var refreshedAt: Int64?
    }

    /// Whether a recount of the overdue cases is due at `now` (none started within `interval` ms); claims it if so.
    func claimOverdueRefresh(now: Int64, interval: Int64) -> Bool {
        overdue.withLock { state in
            if let last = state.refreshedAt, now >= last, now - last < interval { return false }
            state.refreshedAt = now
            return true
        }
    }

    /// Sets each series to its count; a series counted before and absent now goes to 0 (an alert clears).
    func setOverdue(_ counts: [OverdueKey: Int]) {
        overdue.withLock { state in
            for (key, gauge) in state.gauges where counts[key] == nil { gauge.record(0) }
            for (key, count) in counts {
                let gauge = state.gauges[key] ?? CoreMetrics.Gauge(label: "fieldsync_cases_overdue",
                                                                    dimensions: [("unit", key.unit), ("deadline", key.deadline)],
                                                                    factory: factory)
                state.gauges[key] = gauge
                gauge.record(count)
            }
        }
    }

    /// A recount failed: counted, and the next scrape tries again.
    func overdueRefreshFailed(now: Int64) {
        overdueRefreshFailures.increment()
        overdue.withLock { $0.refreshedAt = nil }
    }

    func rejectedRecords(_ code: RejectionCode) -> CoreMetrics.Counter {
        rejected.withLock { counters in
            if let counter = counters[code] { return counter }
            let counter = CoreMetrics.Counter(label: "fieldsync_records_rejected_total", dimensions: [("reason", code.rawValue)], factory: factory)
            counters[code] = counter
            return counter
        }
    }

    /// Request latency per route and status class.
    /// The counts of one committed batch.
    func record(_ counts: PushCounts) {
        recordsAccepted.increment(by: counts.accepted)
        if counts.conflictsCreated > 0 { conflictsCreated.increment(by: counts.conflictsCreated) }
        if counts.conflictsResolved > 0 { conflictsResolved.increment(by: counts.conflictsResolved) }
        for (code, count) in counts.rejected { rejectedRecords(code).increment(by: count) }
    }

    public func recordLatency(route: String, status: Int, nanoseconds: Int64) {
        let key = route + " " + String(status / 100) + "xx"
        let timer = latency.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = CoreMetrics.Timer(label: "fieldsync_request_duration_seconds",
                                          dimensions: [("route", route), ("status", String(status / 100) + "xx")],
                                          preferredDisplayUnit: .seconds, factory: factory)
            timers[key] = timer
            return timer
        }
        timer.recordNanoseconds(nanoseconds)
    }

    /// The Prometheus text exposition.
    public func exposition() -> String { registry.emitToString() }
}
