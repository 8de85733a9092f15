import FieldSyncCore
import Foundation
@testable import FieldSyncStore
import GRDB
import Testing

@Suite("Sensitive fields at rest and wiping")
struct EncryptionTests {
    @Test("names, national IDs, phones, reporter contact and the credential never reach the file in the clear")
    func sealedAtRest() throws {
        let fixture = try StoreFixture()
        let visit = try fixture.store.createHouseholdVisit(StoreFixture.visit(name: "ZHANG-SENSITIVE-NAME"), by: StoreFixture.officer)
        try fixture.store.createIncidentReport(StoreFixture.incident(), by: StoreFixture.officer)
        try fixture.store.acknowledge(pushed: [visit.state], response: PushResponse(batchID: "b", results: [
            RecordResult(id: visit.id, outcome: .rejected(Rejection(.outOfScope, message: "x"), current: nil))], serverTime: 0))
        let bytes = storeBytes(fixture.directory)
        for secret in ["ZHANG-SENSITIVE-NAME", "A123456789", "0912-345-678", "0912-000-111", "device-secret-0001"] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is stored in the clear")
        }
        // Since v4 the other values are sealed too (the whole state); only index columns stay clear.
        #expect(bytes.range(of: Data("elderlyAlone".utf8)) == nil)
        #expect(bytes.range(of: Data(visit.id.rawValue.utf8)) != nil)
        #expect(try fixture.store.rejectedChanges()[0].localState.entries("subjectName")[0].value == "ZHANG-SENSITIVE-NAME")
    }

    @Test("a sealed state moved into another record's row does not open: tampering is reported")
    func sealedValuesAreBound() throws {
        let fixture = try StoreFixture()
        let first = try fixture.store.createHouseholdVisit(StoreFixture.visit(name: "First"), by: StoreFixture.officer)
        let second = try fixture.store.createHouseholdVisit(StoreFixture.visit(name: "Second"), by: StoreFixture.officer)
        try fixture.store.pool.write { db in
            let state = try Data.fetchOne(db, sql: "SELECT state FROM record WHERE id = ?", arguments: [first.id.rawValue])!
            try db.execute(sql: "UPDATE record SET state = ? WHERE id = ?", arguments: [state, second.id.rawValue])
        }
        #expect(storeError { _ = try fixture.store.record(second.id) }?.code == .corrupted)
        #expect(try fixture.store.record(first.id)?["subjectName"] == .value("First"))
    }

    @Test("wipe destroys the database and the key, and the store refuses every later call")
    func wipes() throws {
        let fixture = try StoreFixture()
        try fixture.store.createHouseholdVisit(StoreFixture.visit(), by: StoreFixture.officer)
        try fixture.store.wipe()
        for suffix in ["", "-wal", "-shm"] {
            #expect(!FileManager.default.fileExists(atPath: fixture.directory.storePath + suffix))
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.keyringPath))
        #expect(storeError { _ = try fixture.store.records() }?.code == .wiped)
        #expect(storeError { try fixture.store.createPatrolSignIn(StoreFixture.signIn(), by: StoreFixture.officer) }?.code == .wiped)
        #expect(storeError { _ = try fixture.store.identity }?.code == .wiped)
        try fixture.store.wipe()  // a wipe may be repeated: an interrupted one can always be finished
    }
}
