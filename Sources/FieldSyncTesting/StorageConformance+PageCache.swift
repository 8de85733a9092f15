import FieldSyncCore
import FieldSyncServer
import Foundation

/// The page-range cache (issue 16, item 3) over each backend: what terminals of one station are sent
/// from the cache is what storage alone would send them, within their budget, never another station's
/// records, never a purged record, never a range past its lifetime.
extension StorageConformance {
    static let pageCache = Case(name: "pull ranges cached for one station's terminals answer as storage would, within budget and scope") { h in
        let (writer, _, factory) = try await h.enroll(stationA)
        let (other, _, otherFactory) = try await h.enroll(stationB)
        var records: [RecordState] = []
        for batch in 0..<4 {
            let chunk = try (0..<10).map { try factory.patrolSignIn("p\(batch)-\($0)") }
            _ = try await h.push(chunk, from: writer)
            _ = try await h.push([try otherFactory.patrolSignIn("q\(batch)")], from: other)
            records += chunk
        }
        let clock = h.clock
        var uncachedSettings = h.service.settings
        uncachedSettings.pageCacheBytes = 0
        let storageOnly = SyncService(storage: h.storage, settings: uncachedSettings, clock: { clock.now })

        // The first terminal's pages are read from storage and cached; the second's come from the cache,
        // page for page the same as storage alone answers.
        let (first, _, _) = try await h.enroll(stationA)
        let firstPages = try await pages(h.service, first, limit: 7)
        try expect(cachedRecords(h.service) == 0, "nothing cached before the first read")
        let (second, _, _) = try await h.enroll(stationA)
        let secondPages = try await pages(h.service, second, limit: 7)
        try expect(cachedRecords(h.service) == records.count, "the second terminal's \(records.count) records from the cache: \(cachedRecords(h.service))")
        let reference = try await pages(storageOnly, second, limit: 7)
        try expect(secondPages == reference && firstPages == reference, "cached pages equal storage's")
        try expect(reference.flatMap(\.records) == records, "every record once, in order")
        // An answer sent without gzip is read from storage: the cache keeps deflated ranges only.
        let plainPages = try await pages(h.service, second, limit: 7, gzip: false)
        try expect(plainPages == reference && cachedRecords(h.service) == records.count, "plain answers bypass the cache")

        // Another budget chains the cached ranges that fit it, never more records or bytes than asked.
        let (third, _, _) = try await h.enroll(stationA)
        let sizes = Dictionary(uniqueKeysWithValues: records.map { ($0.id, RecordStateJSON.encode($0).count) })
        let byteBudget = sizes.values.max()! * 9
        let budgeted = try await pages(h.service, third, limit: 10, maxBytes: byteBudget)
        for page in budgeted.dropLast() {
            let bytes = page.records.reduce(0) { $0 + sizes[$1.id]! }
            try expect(page.records.count <= 10 && (page.records.count <= 1 || bytes <= byteBudget), "page of \(page.records.count) records, \(bytes) bytes")
        }
        try expect(budgeted.flatMap(\.records) == records, "the budgeted pull holds every record once, in order")

        // Records changed after their range was cached come again, newer, after it: the terminal ends with
        // the latest state of each.
        let changed = try records.prefix(3).map { try factory.apply([.set("status", "voided"), .set("voidReason", "duplicate")], to: $0) }
        _ = try await h.push(changed, from: writer)
        let (fourth, _, _) = try await h.enroll(stationA)
        let latest = latestStates(try await pages(h.service, fourth, limit: 7).flatMap(\.records))
        let truth = latestStates(try await storageOnly.pullAll(fourth))
        try expect(latest == truth && latest.count == records.count, "latest states as storage holds them")
        try expect(changed.allSatisfy { latest[$0.id] == $0 }, "the changed records arrive changed")

        // Another station's terminal is never sent station A's ranges.
        let (stranger, _, _) = try await h.enroll(stationB)
        let strangers = try await h.pullAll(stranger).map(\.id.rawValue)
        try expect(strangers == ["q0", "q1", "q2", "q3"], "station B sees its own records only: \(strangers)")

        // A purge empties the cache: the purged record is never sent again.
        try await h.service.purge(records[5].id, reason: "retention period over")
        let (fifth, _, _) = try await h.enroll(stationA)
        let afterPurge = try await pages(h.service, fifth, limit: 7).flatMap(\.records)
        try expect(!afterPurge.contains { $0.id == records[5].id } && afterPurge.count == records.count - 1,
                   "purged record gone, \(afterPurge.count) records")

        // Past their lifetime, ranges are read from storage again.
        let before = cachedRecords(h.service)
        clock.advance(milliseconds: h.service.settings.pageCacheLifetime + 1)
        let (sixth, _, _) = try await h.enroll(stationA)
        _ = try await pages(h.service, sixth, limit: 7)
        try expect(cachedRecords(h.service) == before, "no record from an expired range")
    }

    private static func pages(_ service: SyncService, _ device: Device, limit: Int, maxBytes: Int? = nil,
                              gzip: Bool = true) async throws -> [PullPage] {
        var cursor: String?
        var pages: [PullPage] = []
        while true {
            let encoded = try await service.pullEncoded(PullRequest(cursor: cursor, limit: limit, maxBytes: maxBytes), for: device, gzip: gzip)
            var page = try WireCoding.decode(PullPage.self, from: try encoded.json(serverTime: 0))
            page.serverTime = 0
            page.auditCheckpoint = nil
            pages.append(page)
            cursor = page.cursor
            if !page.hasMore { return pages }
            if pages.count > 1_000 { throw ConformanceFailure("a pull that never ends", line: #line) }
        }
    }

    /// Each record's last state received, in the order pages deliver them (later is newer).
    private static func latestStates(_ states: [RecordState]) -> [RecordID: RecordState] {
        states.reduce(into: [:]) { $0[$1.id] = $1 }
    }

    /// `fieldsync_pulled_records_cached_total` as `/metrics` shows it.
    private static func cachedRecords(_ service: SyncService) -> Int {
        let line = service.metrics.exposition().split(separator: "\n").first { $0.hasPrefix("fieldsync_pulled_records_cached_total ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }
}
