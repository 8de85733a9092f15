import FieldSyncCore
import Foundation
@testable import FieldSyncStore
import GRDB
import Testing

@Suite("Crash mid-write")
struct CrashTests {
    @Test("the files as a crash mid-write leaves them reopen with the write entirely absent")
    func crashMidWrite() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        for _ in 0..<3 { try store.createIncidentReport(StoreFixture.incident(), by: StoreFixture.officer) }
        let clockBefore = try store.clock()
        let crashed = try TemporaryDirectory()
        let source = fixture.directory
        try FileManager.default.copyItem(atPath: source.keyringPath, toPath: crashed.keyringPath)

        // Inside the next write's transaction, after its record row is inserted (the lease and clock are
        // already advanced), copy the files as they are on disk: what `kill -9` or a power cut leaves.
        // A one-page cache makes SQLite spill the uncommitted pages into the WAL first, so recovery must
        // really discard them.
        try store.pool.write { db in
            db.add(function: DatabaseFunction("crash_snapshot", argumentCount: 0) { _ in
                for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: source.storePath + suffix) {
                    try? FileManager.default.removeItem(atPath: crashed.storePath + suffix)
                    try FileManager.default.copyItem(atPath: source.storePath + suffix, toPath: crashed.storePath + suffix)
                }
                return nil
            })
            try db.execute(sql: """
                PRAGMA cache_size = 1;
                CREATE TEMP TRIGGER crash_point AFTER INSERT ON main.record BEGIN SELECT crash_snapshot(); END;
                """)
        }
        let long = String(repeating: "A long narrative that makes the write span several pages. ", count: 300)
        let fourth = try store.createIncidentReport(StoreFixture.incident(narrative: long), by: StoreFixture.officer)
        #expect(try store.count() == 4)
        #expect(FileManager.default.fileExists(atPath: crashed.storePath))

        let recovered = try StoreFixture.open(crashed, ids: fixture.ids)
        #expect(try recovered.count() == 3)
        #expect(try recovered.record(fourth.id) == nil)
        #expect(try recovered.pendingPushCount() == 3)
        #expect(try recovered.leaseStatus.next == "KH.P03.S012-0000004")
        #expect(try recovered.clock() == clockBefore)
        // And the recovered store works on from there.
        let next = try recovered.createIncidentReport(StoreFixture.incident(), by: StoreFixture.officer)
        #expect(next["receiptNumber"] == .value("KH.P03.S012-0000004"))
    }
}
