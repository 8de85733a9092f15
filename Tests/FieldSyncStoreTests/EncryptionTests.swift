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

    @Test("a row sealed before one seal per state (sensitive values sealed inside too) reads, joins, and is rewritten sealed once")
    func rowsWithSealedValuesInsideStillRead() throws {
        let fixture = try StoreFixture()
        let visit = try fixture.store.createHouseholdVisit(StoreFixture.visit(name: "OLD-FORMAT-NAME"), by: StoreFixture.officer)
        let cipher = try fixture.store.cipher
        try fixture.store.pool.write { db in
            let old = try cipher.sealBlob(StateJSON.encode(try cipher.sealingSensitive(visit.state, schema: visit.schema)),
                                          context: TerminalStore.recordContext(visit.id.rawValue))
            try db.execute(sql: "UPDATE record SET state = ? WHERE id = ?", arguments: [old, visit.id.rawValue])
        }
        #expect(try Self.blobVersion(of: visit.id, in: fixture.store) == FieldCipher.blobVersion)
        #expect(try fixture.store.record(visit.id)?.state == visit.state)

        let edit = try StoreFixture.remoteEdit(visit.state, [.append("notes", "a peer's note")], wall: StoreFixture.start + 1_000)
        let applied: AppliedPage = try fixture.store.apply(page: StoreFixture.page([edit], cursor: "c-1"))
        #expect(applied.updated == [visit.id])
        let stored = try #require(try fixture.store.record(visit.id))
        #expect(stored.state == visit.state.joined(with: edit))
        #expect(stored["subjectName"] == .value("OLD-FORMAT-NAME"))
        #expect(try Self.blobVersion(of: visit.id, in: fixture.store) == FieldCipher.stateBlobVersion)
        #expect(storeBytes(fixture.directory).range(of: Data("OLD-FORMAT-NAME".utf8)) == nil)
    }

    @Test("a stored state relabelled as the other blob version does not open: the version is authenticated")
    func blobVersionIsAuthenticated() throws {
        let fixture = try StoreFixture()
        let current = try fixture.store.createHouseholdVisit(StoreFixture.visit(name: "Relabelled"), by: StoreFixture.officer)
        let old = try fixture.store.createHouseholdVisit(StoreFixture.visit(name: "Sealed inside"), by: StoreFixture.officer)
        let cipher = try fixture.store.cipher
        try fixture.store.pool.write { db in
            // `old` as rows were sealed before one seal per state, then each row labelled as the other version.
            var sealedInside = try cipher.sealBlob(StateJSON.encode(try cipher.sealingSensitive(old.state, schema: old.schema)),
                                                   context: TerminalStore.recordContext(old.id.rawValue))
            sealedInside[sealedInside.startIndex] = FieldCipher.stateBlobVersion
            var sealedOnce = try Data.fetchOne(db, sql: "SELECT state FROM record WHERE id = ?", arguments: [current.id.rawValue])!
            #expect(sealedOnce.first == FieldCipher.stateBlobVersion)
            sealedOnce[sealedOnce.startIndex] = FieldCipher.blobVersion
            try db.execute(sql: "UPDATE record SET state = ? WHERE id = ?", arguments: [sealedOnce, current.id.rawValue])
            try db.execute(sql: "UPDATE record SET state = ? WHERE id = ?", arguments: [sealedInside, old.id.rawValue])
        }
        #expect(storeError { _ = try fixture.store.record(current.id) }?.code == .corrupted)
        // Read as sealed once, it would hand out the inner sealed values as if they were the officer's text.
        #expect(storeError { _ = try fixture.store.record(old.id) }?.code == .corrupted)
    }

    static func blobVersion(of id: RecordID, in store: TerminalStore) throws -> UInt8? {
        try store.pool.read { db in try Data.fetchOne(db, sql: "SELECT state FROM record WHERE id = ?", arguments: [id.rawValue])?.first }
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
