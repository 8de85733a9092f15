import Crypto
import FieldSyncCore
import Foundation
@testable import FieldSyncStore
import FieldSyncTestSupport
import Testing

/// Issue 14 item 6: a stolen, powered-off terminal. What its disk holds once nobody is signed in must
/// give away nothing: no record content, no key, and nothing at all once the terminal was wiped.
@Suite("Terminal at rest")
struct AtRestTests {
    static let pin = "8812-quiet"
    static let officer = StoreFixture.officer

    /// Distinctive personal content, one value per kind of field the probe found in the clear.
    static let secrets = [
        "NARRATIVE-KNIFE-AT-LIUHE-MARKET", "LOCATION-ALLEY-12-XINXING", "HH-QUIETLANE-0077", "NOTE-BRUISES-ON-LEFT-ARM",
        "domesticViolence", "REPORTER-CHEN-MEILING", "陳美玲", "0933-818-222", "SUBJECT-LIN-AHUA", "F223456789",
        "device-secret-0001", "PATROL-NOTE-BROKEN-LOCK", "22627123", "REJECTED-MESSAGE-QUOTES-NARRATIVE",
        "HELD-PLATE-ABC-1234", "CONFLICT-NARRATIVE-FROM-PEER",
    ]

    /// The forms a value could take in the files: its UTF-8, its JSON-escaped form, and base64 of it
    /// at each of the three alignments it could start at inside a longer base64 text.
    static func forms(of value: String) -> [Data] {
        var forms = [Data(value.utf8)]
        let escaped = String(decoding: try! JSONEncoder().encode(value), as: UTF8.self).dropFirst().dropLast()
        forms.append(Data(escaped.utf8))
        let ascii = value.unicodeScalars.map { $0.isASCII ? String($0) : String(format: "\\u%04x", $0.value) }.joined()
        forms.append(Data(ascii.utf8))
        for shift in 0..<3 {
            let encoded = (Data(repeating: 0, count: shift) + Data(value.utf8)).base64EncodedString()
            // Drop the characters that depend on the neighbouring bytes.
            let core = encoded.dropFirst(shift == 0 ? 0 : 4).dropLast(4)
            if core.count >= 8 { forms.append(Data(core.utf8)) }
        }
        return forms
    }

    static func files(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted().filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    static func mode(_ path: String) throws -> Int {
        try ((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1) & 0o777
    }

    /// A store with records of all three types holding `secrets`, some synced, some pending, one
    /// rejected, one held, one push unanswered; returns the store and its data key.
    static func populatedStore(_ directory: TemporaryDirectory, keys: StoreKeys) throws -> (TerminalStore, SymmetricKey) {
        let clock = TestClock(StoreFixture.start)
        let store = try TerminalStore(path: directory.storePath, access: .create(officer: officer, passphrase: pin), keys: keys,
                                      now: { clock.now })
        try store.saveEnrollment(StoreFixture.enrollment())
        let visit = try store.createHouseholdVisit(NewHouseholdVisit(
            beat: UnitID("KH.P03.S012.B0456"), household: "HH-QUIETLANE-0077", officer: officer, subjectCategory: "domesticViolence",
            visitKind: "warning", visitedAt: clock.now, riskLevel: 3, subjectName: "SUBJECT-LIN-AHUA",
            subjectNationalID: "F223456789", note: "NOTE-BRUISES-ON-LEFT-ARM"), by: officer)
        let report = try store.createIncidentReport(NewIncidentReport(
            receivedAt: clock.now, receivingUnit: StoreFixture.station, category: "assault", severity: "major",
            narrative: "NARRATIVE-KNIFE-AT-LIUHE-MARKET", reporterName: "REPORTER-CHEN-MEILING 陳美玲",
            reporterContact: "0933-818-222", location: "LOCATION-ALLEY-12-XINXING"), by: officer)
        let signIn = try store.createPatrolSignIn(NewPatrolSignIn(
            officers: [officer], checkpoint: "BANK-17", unit: StoreFixture.station, signedAt: clock.now, method: .gps,
            location: (22_627_123, 120_301_456), note: "PATROL-NOTE-BROKEN-LOCK"), by: officer)
        // Synced: the sign-in accepted; the visit rejected (kept with the server's message); the report
        // pending, in a push sent and not answered.
        let pushed = try store.pendingPush()
        try store.acknowledge(pushed: pushed, response: PushResponse(batchID: "b-1", results: [
            RecordResult(id: signIn.id, outcome: .accepted(seq: 1)),
            RecordResult(id: visit.id, outcome: .rejected(Rejection(.outOfScope, fields: ["household"],
                                                                     message: "REJECTED-MESSAGE-QUOTES-NARRATIVE"), current: nil)),
            RecordResult(id: report.id, outcome: .accepted(seq: 2)),
        ], serverTime: clock.now))
        clock.advance()
        try store.addNote(to: report.id, "NOTE-BRUISES-ON-LEFT-ARM again", by: officer)
        try store.rememberPush(PushRequest(batchID: "b-2", records: try store.pendingPush()))
        // Pulled: a record of a type this version does not know is held whole; a peer's conflicting narrative.
        var unknown = try StoreFixture.remoteCreate(.patrolSignIn, id: "peer-ticket", NewPatrolSignIn(
            officers: [StoreFixture.otherOfficer], checkpoint: "CP-9", unit: StoreFixture.station, signedAt: clock.now,
            method: .manual, note: "HELD-PLATE-ABC-1234").operations, wall: clock.now)
        unknown.type = RecordType("trafficTicket")
        let peer = try StoreFixture.remoteEdit(report.state, [.set("narrative", "CONFLICT-NARRATIVE-FROM-PEER")], wall: clock.now)
        let applied = try store.apply(page: StoreFixture.page([unknown, peer], cursor: "c-1"))
        #expect(applied.skipped.map(\.id) == [unknown.id])
        #expect(try store.rejectedChanges().count == 1 && store.heldRecords().count == 1)
        #expect(try store.pendingPushCount() == 1 && store.unansweredPush() != nil)
        return (store, try store.cipher.key)
    }

    @Test("signed out, the store, WAL, SHM and keyring hold no record content and no key; 0600 files in a 0700 directory; a copy opens only with a PIN; after wipe a hard link reads nothing")
    func stolenTerminal() throws {
        let directory = try TemporaryDirectory()
        let keys = StoreKeys(sessionDirectory: directory.sessionDirectory, cost: .fast)
        let (store, dek) = try Self.populatedStore(directory, keys: keys)
        let session = directory.sessionDirectory + "/terminal.sqlite.session"
        #expect(try Self.mode(session) == 0o600 && Self.mode(directory.sessionDirectory) == 0o700)

        try store.signOut()
        #expect(!FileManager.default.fileExists(atPath: session), "signing out leaves the session file")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.sessionDirectory).isEmpty)
        #expect(storeError { _ = try store.records() }?.code == .locked)

        // Everything the terminal keeps (the session directory is RAM-only and now empty).
        let files = try Self.files(in: directory.path)
        #expect(Set(files).isSuperset(of: ["terminal.sqlite", "terminal.sqlite-wal", "terminal.sqlite-shm", "terminal.sqlite.keyring"]))
        #expect(try Self.mode(directory.path) == 0o700)
        for file in files { #expect(try Self.mode(directory.path + "/" + file) == 0o600, "\(file) is not 0600") }

        // The thief's copy, taken while the store is still open (WAL not checkpointed).
        let stolen = try TemporaryDirectory()
        for file in files { try FileManager.default.copyItem(atPath: directory.path + "/" + file, toPath: stolen.path + "/" + file) }
        var bytes = Data()
        for file in files { bytes.append(try Data(contentsOf: URL(fileURLWithPath: stolen.path + "/" + file))) }
        #expect(bytes.count > 8_192)
        for secret in Self.secrets {
            for form in Self.forms(of: secret) {
                #expect(bytes.range(of: form) == nil, "'\(secret)' is on the disk as \(String(decoding: form, as: UTF8.self))")
            }
        }
        let dekBytes = dek.withUnsafeBytes { Data($0) }
        #expect(bytes.range(of: dekBytes) == nil && bytes.range(of: Data(dekBytes.base64EncodedString().utf8)) == nil,
                "the data key is on the disk")
        // The index columns stay clear: that is all a list needs, and all a thief gets.
        #expect(bytes.range(of: Data(" KH.P03.S012 ".utf8)) != nil)

        // The copy does not open without an officer's PIN, and not with a wrong one.
        let noSession = StoreKeys(sessionDirectory: stolen.sessionDirectory, cost: .fast)
        #expect(storeError { _ = try TerminalStore(path: stolen.storePath, access: .session, keys: noSession) }?.code == .locked)
        let locked = try TerminalStore(path: stolen.storePath, access: .locked, keys: noSession)
        #expect(storeError { _ = try locked.records() }?.code == .locked)
        #expect(storeError { _ = try locked.rejectedChanges() }?.code == .locked)
        #expect(storeError { try locked.refreshSession() }?.code == .locked)
        #expect(storeError { _ = try TerminalStore(path: stolen.storePath, access: .signIn(officer: Self.officer, passphrase: "0000"),
                                                   keys: noSession) }?.code == .wrongPassphrase)
        try locked.close()

        // Wipe: hard links taken earlier share the inodes the wipe overwrites or orphans.
        let links = try TemporaryDirectory()
        for file in files { #expect(link(directory.path + "/" + file, links.path + "/" + file) == 0) }
        let reopened = try TerminalStore(path: directory.storePath, access: .signIn(officer: Self.officer, passphrase: Self.pin), keys: keys)
        #expect(try reopened.count() == 2)
        try store.close()
        try reopened.wipe()
        #expect(try Self.files(in: directory.path).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.sessionDirectory).isEmpty)
        let keyringLink = try Data(contentsOf: URL(fileURLWithPath: links.path + "/terminal.sqlite.keyring"))
        #expect(!keyringLink.isEmpty && keyringLink.allSatisfy { $0 == 0 }, "the keyring was not overwritten in place")
        var linked = Data()
        for file in files { linked.append(try Data(contentsOf: URL(fileURLWithPath: links.path + "/" + file))) }
        #expect(linked.range(of: dekBytes) == nil)
        for secret in Self.secrets { #expect(linked.range(of: Data(secret.utf8)) == nil) }
        // With the right PIN, the hard-linked store still does not open: the wrapped keys are zeros.
        #expect(storeError { _ = try TerminalStore(path: links.storePath, access: .signIn(officer: Self.officer, passphrase: Self.pin),
                                                   keys: StoreKeys(cost: .fast)) }?.code == .corrupted)
        try FileManager.default.removeItem(atPath: links.keyringPath)
        #expect(storeError { _ = try TerminalStore(path: links.storePath, access: .signIn(officer: Self.officer, passphrase: Self.pin),
                                                   keys: StoreKeys(cost: .fast)) }?.code == .wrongKey)
    }

    @Test("a wrong PIN is refused with .wrongPassphrase and changes nothing; an unknown officer with .unknownOfficer")
    func wrongPIN() throws {
        let fixture = try StoreFixture()
        try fixture.store.createIncidentReport(StoreFixture.incident(), by: StoreFixture.officer)
        _ = try fixture.store.pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        try fixture.store.close()
        let before = storeDigest(fixture.directory)
        let path = fixture.directory.storePath
        #expect(storeError { _ = try TerminalStore(path: path, access: .signIn(officer: StoreFixture.officer, passphrase: "1234"),
                                                   keys: StoreFixture.keys) }?.code == .wrongPassphrase)
        #expect(storeError { _ = try TerminalStore(path: path, access: .signIn(officer: OfficerID("Z99999"), passphrase: StoreFixture.passphrase),
                                                   keys: StoreFixture.keys) }?.code == .unknownOfficer)
        #expect(storeDigest(fixture.directory) == before)
        // In an open store, a wrong PIN leaves the officer signed in as they were.
        let store = try StoreFixture.open(fixture.directory)
        #expect(storeError { try store.signIn(StoreFixture.otherOfficer, passphrase: "1234") }?.code == .wrongPassphrase)
        #expect(store.signedInOfficer == StoreFixture.officer)
        #expect(try store.count() == 1)
    }

    @Test("a write naming another officer than the one signed in is refused with .wrongOfficer and stores nothing")
    func writesAreBoundToTheSignedInOfficer() throws {
        let fixture = try StoreFixture()
        let visit = try fixture.store.createHouseholdVisit(StoreFixture.visit(), by: StoreFixture.officer)
        #expect(storeError { try fixture.store.createHouseholdVisit(StoreFixture.visit(), by: StoreFixture.otherOfficer) }?.code == .wrongOfficer)
        #expect(storeError { try fixture.store.addNote(to: visit.id, "not mine", by: StoreFixture.supervisor) }?.code == .wrongOfficer)
        #expect(storeError { try fixture.store.createIncidentReport(StoreFixture.incident(), by: StoreFixture.otherOfficer) }?.code == .wrongOfficer)
        #expect(try fixture.store.count() == 1)
        #expect(try fixture.store.leaseStatus.next == "KH.P03.S012-0000001", "a refused report used up a receipt number")
        try fixture.signIn(StoreFixture.otherOfficer)
        let noted = try fixture.store.addNote(to: visit.id, "mine", by: StoreFixture.otherOfficer)
        #expect(noted.state.entries("notes").last?.author == StoreFixture.otherOfficer)
        #expect(storeError { try fixture.store.addNote(to: visit.id, "not any more", by: StoreFixture.officer) }?.code == .wrongOfficer)
    }
}
