import FieldSyncCore
import FieldSyncServer
import Foundation

/// The behaviour every `SyncStorage` backend must show, checked through the service (never through a
/// backend's tables), so that the same cases run against SQLite and PostgreSQL. Tests call `run` for each
/// case on a fresh `TestStorage`; a failed check throws `ConformanceFailure` naming the line.
public enum StorageConformance {
    public struct Case: Sendable, CustomStringConvertible {
        public let name: String
        let body: @Sendable (Harness) async throws -> Void
        public var description: String { name }
    }

    public static func run(_ test: Case, on storage: any SyncStorage) async throws {
        try await test.body(Harness(storage: storage))
    }

    public static let stationA = UnitID("KH.P03.S012")
    public static let stationB = UnitID("KH.P05.S031")

    /// A service over the storage with a test clock, and shorthands for the cases.
    public struct Harness: Sendable {
        public let storage: any SyncStorage
        public let service: SyncService
        public let clock = TestClock()

        public init(storage: any SyncStorage) {
            self.storage = storage
            var settings = SyncService.Settings()
            settings.adminTokenHash = AdminToken.verifier(of: TestServer.adminToken)
            settings.rateLimit = nil
            let clock = clock
            service = SyncService(storage: storage, settings: settings, clock: { clock.now })
        }

        public func enroll(_ station: UnitID) async throws -> (device: Device, credential: String, factory: RecordFactory) {
            let token = try await service.createEnrollmentToken(station: station)
            let response = try await service.enroll(EnrollRequest(token: token.token, deviceName: "terminal"))
            let device = try await service.authenticate(credential: response.credential)
            return (device, response.credential, RecordFactory(enrolled: response, now: clock.now))
        }

        public func push(_ records: [RecordState], from device: Device, batch: String = UUID().uuidString) async throws -> [RecordResult] {
            try await service.push(PushRequest(batchID: batch, records: records), from: device).results
        }

        public func pullAll(_ device: Device, limit: Int = 1_000) async throws -> [RecordState] {
            try await service.pullAll(device, limit: limit)
        }

        public func auditKinds() async throws -> [AuditDraft.Kind] {
            try await storage.auditEntries(after: 0, limit: 10_000).map(\.draft.kind)
        }
    }

    public static let cases: [Case] = [
        pushAndPull, pagination, cursorRules, replay, rejection, scopes, transfer, concurrentEdits, leases, enrollment,
        receiptNumbers, declaredReceiptNumbers, historyAndAudit, revocation, revokedInFlight, severalScopes, roster,
        pagesByBytes, pageCache, pushGroup, overdueCases,
    ]

    /// The cases that page through pulls: what a change to how a backend reads a page must keep.
    public static let pagingCases: [Case] = [pagination, pagesByBytes, severalScopes, cursorRules, pushAndPull]

    static let roster = Case(name: "rosters bound whose writes a station's devices carry; a precinct's roster covers its stations") { h in
        let (device, _, factory) = try await h.enroll(stationA)
        try expect(try await h.push([try factory.patrolSignIn("open")], from: device)[0].acceptedSequence != nil, "no roster: any officer")
        try expect(try await h.service.roster(for: device).officers == nil, "no roster is reported as none")
        _ = try await h.service.setRoster(of: UnitID("KH.P03"), officers: [factory.officer, OfficerID("KH2000")], reason: "precinct roster")
        try expect(try await h.service.roster(for: device).officers == [factory.officer, OfficerID("KH2000")], "the device learns its roster")
        let listed = try factory.patrolSignIn("listed")
        try expect(try await h.push([listed], from: device)[0].acceptedSequence != nil, "an officer on the precinct roster")
        var stranger = factory
        stranger.officer = OfficerID("KH9999")
        let head = try await h.storage.headSequence()
        let refused = try await h.push([try stranger.patrolSignIn("stranger"), try stranger.apply([.set("status", "voided"),
                                        .set("voidReason", "not mine")], to: listed)], from: device)
        try expect(refused.allSatisfy { $0.rejectedCode == .invalidValue }, "an officer on no roster: \(refused)")
        try expect(try await h.storage.headSequence() == head, "nothing stored")
        _ = try await h.service.setRoster(of: UnitID("KH.P03"), officers: [], reason: "rosters off")
        try expect(try await h.push([try stranger.patrolSignIn("after")], from: device)[0].acceptedSequence != nil, "roster removed")
        try expect(try await h.auditKinds().filter { $0 == .roster }.count == 2, "both roster changes audited")
        try await expectServerError(.malformedRequest) { _ = try await h.service.setRoster(of: stationA, officers: [OfficerID("bad id!")], reason: "") }
    }

    static let severalScopes = Case(name: "a pull over several scopes, nested or not, pages each visible change once, in order") { h in
        let (deviceA, _, factoryA) = try await h.enroll(stationA)
        let (deviceB, _, factoryB) = try await h.enroll(stationB)
        var expected: [UInt64: RecordID] = [:]
        func record(_ results: [RecordResult], _ prefix: String) throws {
            for (index, result) in results.enumerated() {
                guard let sequence = result.acceptedSequence else { throw ConformanceFailure("refused: \(result)") }
                expected[sequence] = RecordID("\(prefix)-\(index)")
            }
        }
        for round in 0..<4 {
            try record(try await h.push(try (0..<3).map { try factoryA.patrolSignIn("a-\(round)-\($0)") }, from: deviceA), "a-\(round)")
            try record(try await h.push(try (0..<2).map { try factoryB.patrolSignIn("b-\(round)-\($0)") }, from: deviceB), "b-\(round)")
        }
        let sequenceOf = Dictionary(uniqueKeysWithValues: expected.map { ($0.value, $0.key) })
        func pulled(_ scopes: [UnitID]) async throws -> [UInt64] {
            var cursor: UInt64 = 0
            var sequences: [UInt64] = []
            while true {
                let page = try await h.storage.pullPage(after: cursor, scopes: scopes, limit: 3)
                for state in page.states {
                    let id = try RecordStateJSON.decode(state).id
                    guard let sequence = sequenceOf[id] else { throw ConformanceFailure("pulled \(id), never pushed") }
                    sequences.append(sequence)
                }
                cursor = page.cursor
                if !page.hasMore { return sequences }
            }
        }
        let all = expected.keys.sorted()
        let onlyA = all.filter { expected[$0]!.rawValue.hasPrefix("a-") }
        try expect(try await pulled([stationA, stationB]) == all, "two stations: every change once, in order")
        try expect(try await pulled([UnitID("KH.P03"), stationA]) == onlyA, "nested scopes: A's changes once each")
        try expect(try await pulled([UnitID("KH"), stationB, stationA]) == all, "the city and both stations")
    }

    static let pushAndPull = Case(name: "push assigns increasing sequences; pulls return the station's records only") { h in
        let (deviceA, _, factory) = try await h.enroll(stationA)
        let (deviceB, _, _) = try await h.enroll(stationB)
        let records = [try factory.patrolSignIn("p1"), try factory.incidentReport("i1"), try factory.householdVisit("v1")]
        let sequences = try await h.push(records, from: deviceA).compactMap(\.acceptedSequence)
        try expect(sequences.count == 3 && sequences == sequences.sorted() && Set(sequences).count == 3, "sequences \(sequences)")
        try expect(try await h.pullAll(deviceA) == records, "station A pulls its records")
        try expect(try await h.pullAll(deviceB).isEmpty, "station B pulls nothing")
        let stored = try await h.storage.record(RecordID("i1"), audit: nil)
        try expect(stored?.state == records[1] && stored?.units == [stationA] && stored?.needsPerson == false, "stored record")
    }

    static let pagination = Case(name: "pages follow the cursor without skipping or repeating, with changes between pages") { h in
        let (device, _, factory) = try await h.enroll(stationA)
        let (other, _, otherFactory) = try await h.enroll(stationB)
        for index in 0..<25 {
            _ = try await h.push([try factory.patrolSignIn("p\(index)")], from: device)
            _ = try await h.push([try otherFactory.patrolSignIn("q\(index)")], from: other)
        }
        let first = try await h.service.pull(PullRequest(cursor: nil, limit: 10), for: device)
        try expect(first.records.count == 10 && first.hasMore, "first page")
        let changed = try factory.apply([.set("status", "voided"), .set("voidReason", "wrong checkpoint")], to: first.records[0])
        _ = try await h.push([changed], from: device)
        var seen = first.records
        var cursor = first.cursor
        while true {
            let page = try await h.service.pull(PullRequest(cursor: cursor, limit: 10), for: device)
            seen += page.records
            cursor = page.cursor
            if !page.hasMore { break }
        }
        try expect(Set(seen.map(\.id)).count == 25 && seen.count == 26 && seen.last == changed, "\(seen.count) records seen")
        let caughtUp = try await h.service.pull(PullRequest(cursor: cursor), for: device)
        try expect(caughtUp.records.isEmpty && !caughtUp.hasMore && caughtUp.cursor == cursor, "caught up")
    }

    static let pagesByBytes = Case(name: "pages stop at the byte budget (at least one record each), never skip, and the server caps the budget") { h in
        let (device, _, factory) = try await h.enroll(stationA)
        let records = try (0..<12).map { index in
            try factory.incidentReport("i\(index)", narrative: String(repeating: "long narrative \(index) ", count: 20 + 15 * (index % 4)))
        }
        _ = try await h.push(records, from: device)
        let sizes = Dictionary(uniqueKeysWithValues: records.map { ($0.id, RecordStateJSON.encode($0).count) })
        let budget = 3 * (sizes.values.max() ?? 0)
        // Zero, negative and minimal budgets all mean one record per page; the cursor still moves.
        for maxBytes in [Int.min, -1, 0, 1, budget] {
            var seen: [RecordState] = []
            var cursor: String?
            var pages = 0
            while true {
                let page = try await h.service.pull(PullRequest(cursor: cursor, limit: 100, maxBytes: maxBytes), for: device)
                let bytes = page.records.reduce(0) { $0 + sizes[$1.id, default: 0] }
                try expect(!page.records.isEmpty || !page.hasMore, "a page with more to come holds a record (maxBytes \(maxBytes))")
                try expect(page.records.count <= 1 || bytes <= maxBytes, "page of \(bytes) bytes over \(maxBytes)")
                seen += page.records
                pages += 1
                cursor = page.cursor
                if !page.hasMore { break }
            }
            try expect(seen == records, "every record once, in order, with maxBytes \(maxBytes): \(seen.map(\.id))")
            try expect(maxBytes > 1 || pages == records.count, "one record per page at \(maxBytes) bytes: \(pages) pages")
            try expect(maxBytes <= 1 || (3...12).contains(pages) && pages < records.count, "cut by bytes into \(pages) pages")
        }
        // The terminal's budget never exceeds the server's: a huge maxBytes is capped by pullPageBytes.
        var capped = SyncService.Settings()
        capped.pullPageBytes = budget
        capped.rateLimit = nil
        let clock = h.clock
        let strict = SyncService(storage: h.storage, settings: capped, clock: { clock.now })
        let first = try await strict.pull(PullRequest(cursor: nil, limit: 100, maxBytes: .max), for: device)
        try expect(first.hasMore && first.records.reduce(0) { $0 + sizes[$1.id, default: 0] } <= budget, "server cap applies")
    }

    static let cursorRules = Case(name: "a cursor beyond the head is refused; a purge keeps issued cursors valid") { h in
        let (device, _, factory) = try await h.enroll(stationA)
        _ = try await h.push([try factory.patrolSignIn("p1"), try factory.patrolSignIn("p2")], from: device)
        for cursor in ["abc", "-1", "999"] {
            try await expectServerError(.invalidCursor) { _ = try await h.service.pull(PullRequest(cursor: cursor), for: device) }
        }
        try await h.service.purge(RecordID("p2"), reason: "retention period over")
        let page = try await h.service.pull(PullRequest(cursor: "2"), for: device)
        try expect(page.records.isEmpty && page.cursor == "2", "cursor 2 after purging the newest record")
        try expect(try await h.service.history(of: RecordID("p2"), reason: "conformance").isEmpty, "purged history")
        try expect(try await h.pullAll(device).map(\.id) == [RecordID("p1")], "purged record not pulled")
    }

    static let replay = Case(name: "a replayed batch gets the stored answers; a reused id with other content is refused") { h in
        let (device, _, factory) = try await h.enroll(stationA)
        let records = [try factory.patrolSignIn("p1"), try factory.incidentReport("i1"),
                       forgedSeverity(try factory.incidentReport("i2"), by: device.replica, wall: h.clock.now)]
        let first = try await h.push(records, from: device, batch: "batch-1")
        let quarantined = try await h.service.quarantine().count
        let audit = try await h.auditKinds().count
        h.clock.advance(milliseconds: 5_000)
        let second = try await h.push(records, from: device, batch: "batch-1")
        let auditAfter = try await h.auditKinds().count
        let quarantinedAfter = try await h.service.quarantine().count
        try expect(first == second, "replayed answers")
        try expect(auditAfter == audit && quarantinedAfter == quarantined, "nothing applied twice")
        try expect(try await h.service.history(of: RecordID("i1"), reason: "conformance").count == 1, "one history entry")
        try await expectServerError(.batchConflict) {
            _ = try await h.push([try factory.patrolSignIn("other")], from: device, batch: "batch-1")
        }
        try expect(try await h.pullAll(device).count == 2, "two records stored")
    }

    static let rejection = Case(name: "a refused record is quarantined with its reason and stores nothing") { h in
        let (device, _, factory) = try await h.enroll(stationA)
        let bad = forgedSeverity(try factory.incidentReport("i1"), by: device.replica, wall: h.clock.now)
        let results = try await h.push([bad, try factory.patrolSignIn("p1")], from: device)
        try expect(results[0].rejectedCode == .invalidValue && results[1].acceptedSequence != nil, "outcomes \(results)")
        let quarantine = try await h.service.quarantine()
        try expect(quarantine.count == 1 && quarantine[0].record == RecordID("i1") && quarantine[0].state == bad
                   && quarantine[0].rejection.code == .invalidValue && quarantine[0].replica == device.replica, "quarantine")
        try expect(try await h.storage.record(RecordID("i1"), audit: nil) == nil, "nothing stored")
    }

    static let scopes = Case(name: "writes outside the device's units are refused without revealing the record") { h in
        let (deviceA, _, factoryA) = try await h.enroll(stationA)
        let (deviceB, _, factoryB) = try await h.enroll(stationB)
        let report = try factoryA.incidentReport("i1")
        _ = try await h.push([report], from: deviceA)
        let tampered = try RecordFactory(replica: deviceB.replica, station: stationB, now: h.clock.now).apply([.set("severity", "major")], to: report)
        let results = try await h.push([tampered, try factoryB.patrolSignIn("x", checkpoint: "CP1")], from: deviceB)
        try expect(results[0].rejectedCode == .outOfScope && results[0].rejectedCurrent == nil && results[1].acceptedSequence != nil,
                   "outcomes \(results)")
        let foreign = try RecordFactory(replica: deviceB.replica, station: stationA, now: h.clock.now).patrolSignIn("y")
        try expect(try await h.push([foreign], from: deviceB)[0].rejectedCode == .outOfScope, "create for another station")
        try expect(try await h.storage.record(RecordID("i1"), audit: nil)?.state == report, "record unchanged")
    }

    static let transfer = Case(name: "a transferred case reaches the new station, and the receiving station keeps it") { h in
        let (deviceA, _, factoryA) = try await h.enroll(stationA)
        let (deviceB, _, factoryB) = try await h.enroll(stationB)
        var report = try factoryA.apply([.set("status", "receiptIssued")], to: try factoryA.incidentReport("i1"))
        _ = try await h.push([report], from: deviceA)
        let before = try await h.service.pull(PullRequest(cursor: nil), for: deviceB)
        try expect(before.records.isEmpty, "B sees nothing before the transfer")
        let move: FieldValue = .object(["from": .string(stationA.rawValue), "to": .string(stationB.rawValue), "reason": "jurisdiction"])
        report = try factoryA.apply([.set("jurisdictionUnit", .string(stationB.rawValue)), .append("transfers", move),
                                     .set("status", "transferred")], to: report)
        try expect(try await h.push([report], from: deviceA)[0].acceptedSequence != nil, "transfer accepted")
        try expect(try await h.service.pull(PullRequest(cursor: before.cursor), for: deviceB).records == [report], "B gets the case")
        let accepted = try factoryB.apply([.set("status", "accepted")], to: report)
        try expect(try await h.push([accepted], from: deviceB)[0].acceptedSequence != nil, "B accepts")
        try expect(try await h.pullAll(deviceA) == [accepted], "A keeps the case")
        try expect(try await h.storage.record(RecordID("i1"), audit: nil)?.units == [stationA, stationB], "units only grow")
        // The jurisdiction owns the case (SPEC 10.6): A, which received it, may add addenda, nothing else.
        let edit = try factoryA.apply([.set("severity", "major"), .append("addenda", "told the reporter")], to: accepted)
        let refused = try await h.push([edit], from: deviceA)
        try expect(refused[0].rejectedCode == .outOfScope, "A's edit of B's case is refused: \(refused)")
        if case .rejected(let rejection, let current) = refused[0].outcome {
            try expect(rejection.fields == ["severity"] && current == accepted, "naming the field, with the stored state: \(rejection)")
        }
        let addendum = try factoryA.apply([.append("addenda", "Reporter told in writing of the transfer.")], to: accepted)
        try expect(try await h.push([addendum], from: deviceA)[0].acceptedSequence != nil, "A's addendum is accepted")
        let onward = try factoryA.apply([.set("jurisdictionUnit", .string(stationA.rawValue)), .append("transfers", move)], to: addendum)
        try expect(try await h.push([onward], from: deviceA)[0].rejectedCode == .outOfScope, "A cannot take the case back")
        let bEdit = try factoryB.apply([.set("severity", "major")], to: addendum)
        try expect(try await h.push([bEdit], from: deviceB)[0].acceptedSequence != nil, "B edits its case")
    }

    static let concurrentEdits = Case(name: "concurrent pushes of one record lose no write; a conflict waits for a person") { h in
        let (first, _, factory1) = try await h.enroll(stationA)
        let (second, _, factory2) = try await h.enroll(stationA)
        let report = try factory1.incidentReport("i1")
        _ = try await h.push([report], from: first)
        let one = try factory1.apply([.set("narrative", "Red bicycle."), .append("supervisorNotes", "one")], to: report)
        let two = try factory2.apply([.set("narrative", "Blue bicycle."), .append("supervisorNotes", "two")], to: report)
        async let a = h.push([one], from: first)
        async let b = h.push([two], from: second)
        let (resultA, resultB) = try await (a, b)
        try expect(resultA[0].acceptedSequence != nil && resultB[0].acceptedSequence != nil, "both accepted")
        let stored = try await h.storage.record(RecordID("i1"), audit: nil)
        try expect(stored?.state == one.joined(with: two) && stored?.needsPerson == true, "stored is the join of both")
        try expect(try await h.service.conflicts().map(\.id) == [RecordID("i1")], "listed as a conflict")
        let resolved = try factory1.apply([.set("narrative", "Red and blue bicycles.")], to: stored!.state)
        _ = try await h.push([resolved], from: first)
        try expect(try await h.service.conflicts().isEmpty, "resolved")
    }

    static let leases = Case(name: "receipt leases never overlap, also when granted concurrently") { h in
        let (device, _, _) = try await h.enroll(stationA)
        let (other, _, _) = try await h.enroll(stationA)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<16 {
                group.addTask { _ = try await h.service.lease(for: index.isMultiple(of: 2) ? device : other) }
            }
            try await group.waitForAll()
        }
        let all = try await h.service.leases().map(\.lease)
        try expect(all.count == 18, "\(all.count) leases")
        let sorted = all.sorted { $0.first < $1.first }
        for (earlier, later) in zip(sorted, sorted.dropFirst()) {
            try expect(earlier.prefix == later.prefix && earlier.last < later.first, "\(earlier) overlaps \(later)")
        }
    }

    static let enrollment = Case(name: "an enrollment token works once, also when spent concurrently, and not after expiry") { h in
        let token = try await h.service.createEnrollmentToken(station: stationA, lifetime: 60_000)
        let outcomes = await withTaskGroup(of: Bool.self, returning: [Bool].self) { group in
            for index in 0..<8 {
                group.addTask { (try? await h.service.enroll(EnrollRequest(token: token.token, deviceName: "t\(index)"))) != nil }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        try expect(outcomes.filter { $0 }.count == 1, "\(outcomes.filter { $0 }.count) enrollments with one token")
        try expect(try await h.service.devices().count == 1, "one device")
        let expiring = try await h.service.createEnrollmentToken(station: stationA, lifetime: 60_000)
        h.clock.advance(milliseconds: 60_000)
        try await expectServerError(.invalidToken) { _ = try await h.service.enroll(EnrollRequest(token: expiring.token, deviceName: "late")) }
        try await expectServerError(.invalidToken) { _ = try await h.service.enroll(EnrollRequest(token: "no-such-token", deviceName: "x")) }
    }

    static let receiptNumbers = Case(name: "a receipt number names one case, also when two batches push it at once; another device's number is refused") { h in
        let (first, _, factory1) = try await h.enroll(stationA)
        let (second, _, factory2) = try await h.enroll(stationA)
        guard let lease = factory1.receipts?.lease else { throw ConformanceFailure("the factory has no lease") }
        let number = lease.receiptNumber(lease.first + 23)
        // Two server nodes on one storage, each applying one of the device's batches at once.
        let otherNode = SyncService(storage: h.storage, settings: h.service.settings, clock: { h.clock.now })
        async let a = h.push([try factory1.incidentReport("case-1", receipt: number)], from: first)
        async let b = otherNode.push(PushRequest(batchID: UUID().uuidString, records: [try factory1.incidentReport("case-2", receipt: number)]),
                                     from: first).results
        let results = try await a + b
        try expect(results.filter { $0.acceptedSequence != nil }.count == 1, "one accepted: \(results)")
        try expect(results.filter { $0.rejectedCode == .invalidValue }.count == 1, "one refused: \(results)")
        let winner = results.first { $0.acceptedSequence != nil }!.id
        let edit = try factory1.apply([.set("severity", "major")], to: try await h.storage.record(winner, audit: nil)!.state)
        try expect(try await h.push([edit], from: first)[0].acceptedSequence != nil, "the holder edits its case")
        let squat = try await h.push([try factory2.incidentReport("case-5", receipt: lease.receiptNumber(lease.first + 24))], from: second)
        try expect(squat[0].rejectedCode == .invalidValue, "a number of another device's lease: \(squat)")
        let inBatch = try await h.push([try factory1.incidentReport("case-3", receipt: lease.receiptNumber(lease.first + 30)),
                                        try factory1.incidentReport("case-4", receipt: lease.receiptNumber(lease.first + 30))], from: first)
        try expect(inBatch[0].acceptedSequence != nil && inBatch[1].rejectedCode == .invalidValue, "twice in one batch: \(inBatch)")
    }

    static let declaredReceiptNumbers = Case(name: "a unique field of a type a deployment declares is a receipt number as an incident's is: leased, one record per number") { h in
        let ticket = RecordSchema(type: RecordType("trafficTicket"), version: 1, fields: [
            FieldSchema("ticketNumber", .text(maxLength: 32), .immutable, required: true, unique: true),
            FieldSchema("unit", .unit, .immutable, required: true, scope: true),
        ])
        let registry = SchemaRegistry(h.service.registry.types.compactMap { h.service.registry[$0] } + [ticket])
        let deployment = SyncService(storage: h.storage, registry: registry, settings: h.service.settings, clock: { h.clock.now })
        let (device, _, factory) = try await h.enroll(stationA)
        guard let lease = factory.receipts?.lease else { throw ConformanceFailure("the factory has no lease") }
        func tickets(_ numbers: [(id: String, number: String)]) throws -> PushRequest {
            PushRequest(batchID: UUID().uuidString, records: try numbers.map { id, number in
                try ticket.create(id: RecordID(id), [.set("ticketNumber", .string(number)), .set("unit", .string(stationA.rawValue))],
                                  origin: factory.origin)
            })
        }
        let number = lease.receiptNumber(lease.first + 40)
        let first = try await deployment.push(try tickets([("ticket-1", number), ("ticket-2", number)]), from: device).results
        try expect(first[0].acceptedSequence != nil && first[1].rejectedCode == .invalidValue, "twice in one batch: \(first)")
        let again = try await deployment.push(try tickets([("ticket-3", number)]), from: device).results
        try expect(again[0].rejectedCode == .invalidValue, "a number another ticket holds: \(again)")
        let incident = try await h.push([try factory.incidentReport("case-1", receipt: lease.receiptNumber(lease.first + 41))], from: device)
        try expect(incident[0].acceptedSequence != nil, "an incident takes the next number: \(incident)")
        let across = try await deployment.push(try tickets([("ticket-4", lease.receiptNumber(lease.first + 41))]), from: device).results
        try expect(across[0].rejectedCode == .invalidValue, "a number an incident holds, whatever the type: \(across)")
        let foreign = try await deployment.push(try tickets([("ticket-5", "KH.P05.S031-0000001")]), from: device).results
        try expect(foreign[0].rejectedCode == .invalidValue, "a number of no lease of this device: \(foreign)")
        let refused = try await h.storage.quarantine(limit: 100).filter { $0.record.rawValue.hasPrefix("ticket-") }
        try expect(refused.count == 4 && refused.allSatisfy { $0.rejection.fields == ["ticketNumber"] }, "refusals name the field: \(refused)")
    }

    static let historyAndAudit = Case(name: "history keeps every change; the audit chain covers every action and verifies") { h in
        let (device, _, factory) = try await h.enroll(stationA)
        let created = try factory.patrolSignIn("p1")
        _ = try await h.push([created, try factory.patrolSignIn("p2")], from: device)
        h.clock.advance(milliseconds: 1_000)
        let voided = try factory.apply([.set("status", "voided"), .set("voidReason", "wrong checkpoint")], to: created)
        _ = try await h.push([voided], from: device)
        let history = try await h.service.history(of: RecordID("p1"), reason: "conformance")
        try expect(history.count == 2 && history[0].delta == created && history[1].sequence > history[0].sequence
                   && history.allSatisfy { $0.replica == device.replica && $0.authors == [factory.officer] }, "history \(history)")
        try expect(history[1].delta.entries("status").map(\.value) == ["voided"], "the second delta holds the void")
        _ = try await h.service.readRecord(RecordID("p1"), reason: "complaint 2026-117")
        try await h.service.purge(RecordID("p2"), reason: "retention period over")
        _ = try await h.service.revoke(device.replica)
        let kinds = try await h.auditKinds()
        // The history read is audited too.
        try expect(kinds == [.enrollmentTokenCreated, .enrollment, .changes, .changes, .adminRead, .adminRead, .purge, .revocation],
                   "audit kinds \(kinds)")
        let verification = try await h.service.verifyAudit()
        try expect(verification.isIntact && verification.entriesChecked == kinds.count, "verification \(verification)")
    }

    static let revocation = Case(name: "a revoked device is refused and told to wipe") { h in
        let (device, credential, factory) = try await h.enroll(stationA)
        _ = try await h.push([try factory.patrolSignIn("p1")], from: device)
        try expect(try await h.service.revoke(device.replica, reason: "reported stolen").isRevoked, "revoked")
        try expect(try await h.service.revoke(device.replica).isRevoked, "revoking again is harmless")
        do {
            _ = try await h.service.authenticate(credential: credential)
            throw ConformanceFailure("a revoked device was let in")
        } catch let error as ServerError {
            try expect(error.code == .revoked && error.protocolError.wipe, "\(error)")
        }
        try expect(try await h.service.devices().first?.isRevoked == true, "listed as revoked")
        try await expectServerError(.notFound) { _ = try await h.service.revoke(ReplicaID("t-nobody")) }
    }

    /// The batch of a request authenticated just before the device was revoked reaches the storage after
    /// the revocation committed: the batch transaction itself refuses it (issue 14, item 8).
    static let revokedInFlight = Case(name: "a batch authenticated before its device was revoked is refused inside the transaction") { h in
        let (device, _, factory) = try await h.enroll(stationA)
        let head = try await h.storage.headSequence()
        _ = try await h.service.revoke(device.replica, reason: "reported stolen")
        // `device` is what authentication returned before the revocation.
        try await expectServerError(.revoked) { _ = try await h.push([try factory.patrolSignIn("late")], from: device) }
        try await expectServerError(.revoked) { _ = try await h.push([try factory.incidentReport("late-case")], from: device) }
        try expect(try await h.storage.headSequence() == head, "nothing of the batch was stored")
        try expect(try await h.storage.record(RecordID("late"), audit: nil) == nil, "no record")
    }

    /// A state whose severity is not one of the schema's values, written as a real write would be.
    static func forgedSeverity(_ state: RecordState, by replica: ReplicaID, wall: Int64) -> RecordState {
        var next = state
        let dot = next.context.advance(replica)
        next.fields["severity"] = [FieldEntry(dot: dot, stamp: HLCTimestamp(wall: wall), author: OfficerID("KH1234"), value: "huge")]
        return next
    }
}

/// A conformance check that failed.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String, line: Int = #line) { self.description = "StorageConformance.swift:\(line): \(description)" }
}

func expect(_ condition: Bool, _ message: @autoclosure () -> String, line: Int = #line) throws {
    guard condition else { throw ConformanceFailure(message(), line: line) }
}

func expectServerError(_ code: ProtocolError.Code, line: Int = #line, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ServerError {
        try expect(error.code == code, "expected \(code), got \(error)", line: line)
        return
    }
    throw ConformanceFailure("expected \(code), got success", line: line)
}

extension RecordResult {
    var acceptedSequence: UInt64? { if case .accepted(let seq) = outcome { seq } else { nil } }
    var rejectedCode: RejectionCode? { if case .rejected(let rejection, _) = outcome { rejection.code } else { nil } }
    var rejectedCurrent: RecordState? { if case .rejected(_, let current) = outcome { current } else { nil } }
}

extension SyncService {
    /// Every record `device` can pull, following pages from the start to the end.
    public func pullAll(_ device: Device, limit: Int = 1_000) async throws -> [RecordState] {
        var cursor: String?
        var records: [RecordState] = []
        while true {
            let page = try await pull(PullRequest(cursor: cursor, limit: limit), for: device)
            records += page.records
            cursor = page.cursor
            if !page.hasMore { return records }
        }
    }
}
