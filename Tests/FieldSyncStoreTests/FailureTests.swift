import FieldSyncCore
import Foundation
@testable import FieldSyncStore
import GRDB
import Synchronization
import Testing

@Suite("Crash safety, full disk and concurrent readers")
struct FailureTests {
    /// Makes every insert into `record` whose id matches `pattern` fail, as a crash or I/O error at that
    /// point of a transaction would.
    func injectFailure(_ store: TerminalStore, onInsertOf pattern: String) throws {
        try store.pool.write { db in
            try db.execute(sql: """
                CREATE TEMP TRIGGER injected_failure BEFORE INSERT ON main.record WHEN NEW.id GLOB '\(pattern)'
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                """)
        }
    }

    func removeFailure(_ store: TerminalStore) throws {
        try store.pool.write { try $0.execute(sql: "DROP TRIGGER temp.injected_failure") }
    }

    @Test("a write failing after the lease and clock were advanced leaves no record, outbox entry, number or tick")
    func localWriteIsAtomic() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let leaseBefore = try store.leaseStatus
        let clockBefore = try store.clock()
        fixture.clock.advance(milliseconds: 100)
        try injectFailure(store, onInsertOf: "*")

        let error = storeError { try store.createIncidentReport(StoreFixture.incident(), by: StoreFixture.officer) }
        #expect(error?.code == .io)
        #expect(error?.underlying?.contains("injected failure") == true)
        #expect(try store.count() == 0)
        #expect(try store.pendingPushCount() == 0)
        #expect(try store.leaseStatus == leaseBefore)
        #expect(try store.clock() == clockBefore)

        try removeFailure(store)
        let report = try store.createIncidentReport(StoreFixture.incident(), by: StoreFixture.officer)
        #expect(report["receiptNumber"] == .value("KH.P03.S012-0000001"))
    }

    @Test("a page failing on its 150th record stores none of it and keeps the old checkpoint")
    func pageIsAtomic() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        try store.apply(page: StoreFixture.page([], cursor: "c-0"))
        let records = try (1...200).map { index in
            try StoreFixture.remoteCreate(.patrolSignIn, id: String(format: "peer-%04d", index),
                                          StoreFixture.signIn().operations, wall: fixture.clock.now)
        }
        try injectFailure(store, onInsertOf: "peer-0150")
        #expect(storeError { try store.apply(page: StoreFixture.page(records, cursor: "c-1")) } != nil)
        #expect(try store.count() == 0)
        #expect(try store.checkpoint == "c-0")

        try removeFailure(store)
        #expect(try store.apply(page: StoreFixture.page(records, cursor: "c-1")).inserted.count == 200)
        #expect(try store.checkpoint == "c-1")
    }

    @Test("a full disk fails the write with .diskFull, keeps every earlier write, and the store recovers")
    func diskFull() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let pages = try store.pool.read { try Int.fetchOne($0, sql: "PRAGMA page_count") ?? 0 }
        // max_page_count is a setting of the connection; the pool has a single writer connection.
        _ = try store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA max_page_count = \(pages + 4)") }
        let long = String(repeating: "The reporter describes the scene in detail. ", count: 80)
        var stored = 0
        var failure: StoreError?
        while failure == nil && stored < 100 {
            do {
                try store.createIncidentReport(StoreFixture.incident(narrative: long), by: StoreFixture.officer)
                stored += 1
            } catch let error as StoreError {
                failure = error
            }
        }
        #expect(failure?.code == .diskFull)
        #expect(stored > 0)
        #expect(try store.count() == stored)
        #expect(try store.pendingPushCount() == stored)
        #expect(try store.leaseStatus.remaining == 50 - Int64(stored))

        _ = try store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA max_page_count = 1073741823") }
        try store.createIncidentReport(StoreFixture.incident(narrative: long), by: StoreFixture.officer)
        #expect(try store.count() == stored + 1)
    }

    @Test("readers running while pages are applied see whole pages only, never a part of one")
    func concurrentReaders() async throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let pageSize = 100
        let pages = try (0..<20).map { page in
            StoreFixture.page(try (0..<pageSize).map { index in
                try StoreFixture.remoteCreate(.patrolSignIn, id: "peer-\(page)-\(index)",
                                              StoreFixture.signIn().operations, wall: fixture.clock.now)
            }, cursor: "c-\(page)")
        }
        let done = Flag()
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                defer { done.set() }
                for page in pages {
                    try store.apply(page: page)
                    await Task.yield()
                }
                return 0
            }
            for _ in 0..<2 {
                group.addTask {
                    var last = 0
                    var reads = 0
                    while !done.isSet || reads < 3 {
                        let (count, checkpoint) = try await store.pool.read { db in
                            (try Int.fetchOne(db, sql: "SELECT count(*) FROM record")!,
                             try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'checkpoint'"))
                        }
                        #expect(count % pageSize == 0)
                        #expect(count >= last)
                        // The checkpoint always names the last page whose records are visible.
                        #expect(checkpoint == (count == 0 ? nil : "c-\(count / pageSize - 1)"))
                        _ = try store.records(RecordFilter(limit: 10))
                        last = count
                        reads += 1
                        await Task.yield()
                    }
                    return reads
                }
            }
            for try await _ in group {}
        }
        #expect(try store.count() == 20 * pageSize)
    }
}

/// A one-way signal between tasks: set once, read by any.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
