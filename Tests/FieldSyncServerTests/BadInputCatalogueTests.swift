import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The catalogue of bad input (issue 8), through the real HTTP edge: each case gets its typed answer,
/// and every stored record (states, sequences, scope units, receipt numbers, history) is byte for byte
/// what it was before. Rejections only add to the quarantine; protocol errors add nothing.
@Suite("Catalogue of bad input: a typed answer, and every stored record intact")
struct BadInputCatalogueTests {
    enum Expected {
        case error(HTTPResponse.Status, ProtocolError.Code)
        case rejected(RejectionCode)
        /// Accepted with nothing changed (a stale state is harmless).
        case unchanged
    }

    enum Credential { case device, none, unknown, revoked }

    struct Case {
        var name: String
        var path = "/v1/push"
        var body: ByteBuffer
        var credential = Credential.device
        var expected: Expected
    }

    @Test("every case of the catalogue, SQLite")
    func catalogueSQLite() async throws {
        try await catalogue(on: .sqlite)
    }

    @Test("every case of the catalogue, PostgreSQL",
          .enabled(if: TestPostgres.isEnabled, "set FIELDSYNC_TEST_POSTGRES_URL (.ci/postgres start)"))
    func cataloguePostgres() async throws {
        try await catalogue(on: .postgres)
    }

    private func catalogue(on backend: TestBackend) async throws {
        let world = try await World(backend: backend)
        do {
            try await catalogue(world)
        } catch {
            await world.harness.dispose()
            throw error
        }
        await world.harness.dispose()
    }

    private func catalogue(_ world: World) async throws {
        let cases = try world.stateCases() + world.wireCases() + world.accessCases()
        // The snapshot sees what is stored (records, units, receipts, history, scope index), or it proves nothing.
        let initial = try await world.snapshot()
        #expect(initial.count >= 20 && initial.contains { $0.hasPrefix("KH.P03.S012 ") }, "\(initial.count) rows: \(initial.prefix(3))")
        try await RouterTests.app(world.harness, maxBodyBytes: World.maxBody).test(.router) { client in
            for item in cases {
                let before = try await world.snapshot()
                let credential: String? = switch item.credential {
                case .device: world.credential
                case .none: nil
                case .unknown: "t-00000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                case .revoked: world.revoked
                }
                let response = try await client.execute(uri: item.path, method: .post,
                                                         headers: RouterTests.headers(credential), body: item.body)
                switch item.expected {
                case .error(let status, let code):
                    #expect(response.status == status, "\(item.name): \(response.status)")
                    #expect(RouterTests.error(response)?.code == code, "\(item.name): \(String(buffer: response.body))")
                case .rejected(let code):
                    let answer = try? JSONDecoder().decode(PushResponse.self, from: Data(buffer: response.body))
                    #expect(response.status == .ok && answer?.results.first?.rejection?.code == code,
                            "\(item.name): \(String(buffer: response.body).prefix(400))")
                case .unchanged:
                    let answer = try? JSONDecoder().decode(PushResponse.self, from: Data(buffer: response.body))
                    #expect(answer?.results.first?.sequence == world.storedSequence, "\(item.name)")
                }
                #expect(try await world.snapshot() == before, "\(item.name) changed stored records")
            }
        }
        #expect(cases.count >= 40)
    }
}

/// A server holding records of two stations, a revoked device and a batch already applied.
private struct World {
    static let maxBody = 1 << 20

    let harness: Harness
    let device: Device
    let credential: String
    let revoked: String
    let factory: RecordFactory
    let sibling: RecordFactory
    let outsider: RecordFactory
    let open: RecordState, closed: RecordState, report: RecordState, withAddendum: RecordState, elsewhere: RecordState
    let fresh: RecordState
    let storedSequence: UInt64?

    init(backend: TestBackend) async throws {
        harness = try await Harness(backend: backend)
        let enrolled = try await harness.enroll(Harness.stationA)
        (device, credential, factory) = enrolled
        sibling = try await harness.enroll(Harness.stationA).factory
        let other = try await harness.enroll(Harness.stationB)
        outsider = other.factory
        let lost = try await harness.enroll(Harness.stationA)
        revoked = lost.credential
        _ = try await harness.service.revoke(lost.device.replica, reason: "stolen")

        let me = device.replica, now = harness.clock.now
        open = Forge.set("status", "receiptIssued", in: try factory.incidentReport("open"), by: me, wall: now)
        closed = Forge.set("status", "closed", in: try factory.incidentReport("closed"), by: me, wall: now)
        report = try factory.incidentReport("report")
        withAddendum = try factory.apply([.append("addenda", "second statement")], to: report)
        elsewhere = try outsider.incidentReport("elsewhere")
        fresh = try factory.patrolSignIn("fresh")
        let results = try await harness.push([open, closed, withAddendum], from: device)
        #expect(results.allSatisfy { $0.sequence != nil })
        storedSequence = results[2].sequence
        #expect(try await harness.push([elsewhere], from: other.device)[0].sequence != nil)
        #expect(try await harness.push([try factory.patrolSignIn("replayed")], from: device, batch: "replay-1")[0].sequence != nil)
    }

    /// Everything stored about records, as text: equal before and after a refused request.
    func snapshot() async throws -> [String] {
        // The same rows on both backends; only the spelling of hex and of the scope index differs.
        let hex = harness.postgres == nil ? { (column: String) in "hex(\(column))" } : { (column: String) in "encode(\(column), 'hex')" }
        let queries = [
            "SELECT id || ' ' || seq || ' ' || units || ' ' || needs_person || ' ' || \(hex("state")) FROM records ORDER BY id",
            "SELECT record_id || ' ' || unit FROM record_units ORDER BY 1",
            "SELECT number || ' ' || record_id FROM receipt_numbers ORDER BY 1",
            "SELECT seq || ' ' || record_id || ' ' || \(hex("delta")) FROM history ORDER BY seq",
            "SELECT scope || ' ' || seq || ' ' || record_id FROM scope_changes ORDER BY 1",
        ]
        if harness.postgres != nil {
            var rows: [String] = []
            for query in queries { rows += try await harness.textRows(query) }
            return rows
        }
        return try await harness.database().read { db in try queries.flatMap { try String.fetchAll(db, sql: $0) } }
    }

    func push(_ states: [RecordState], batch: String = UUID().uuidString) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONEncoder().encode(PushRequest(batchID: batch, records: states)))
    }

    /// A push of `fresh` with its JSON edited as an object (`record` is the pushed state).
    func edited(_ edit: (_ body: inout [String: Any], _ record: inout [String: Any]) -> Void) throws -> ByteBuffer {
        var body = try JSONSerialization.jsonObject(with: Data(buffer: try push([fresh]))) as! [String: Any]
        var record = (body["records"] as! [Any])[0] as! [String: Any]
        edit(&body, &record)
        if body["records"] is [Any] { body["records"] = [record] }
        return ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
    }

    /// `fresh` with one entry of `checkpoint` edited as an object.
    func editedEntry(_ edit: (inout [String: Any]) -> Void) throws -> ByteBuffer {
        try edited { _, record in
            var fields = record["fields"] as! [String: Any]
            var entry = (fields["checkpoint"] as! [Any])[0] as! [String: Any]
            edit(&entry)
            fields["checkpoint"] = [entry]
            record["fields"] = fields
        }
    }

    /// States a correct terminal never pushes: each refused by the admission rules.
    func stateCases() throws -> [BadInputCatalogueTests.Case] {
        let me = device.replica, now = harness.clock.now
        var unknownType = fresh
        unknownType.type = RecordType("trafficTicket")
        var newerSchema = fresh
        newerSchema.schemaVersion = 2
        var longID = fresh
        longID.id = RecordID(String(repeating: "x", count: 300))
        var futureDot = fresh
        futureDot.fields["checkpoint"] = futureDot.entries("checkpoint").map { entry in
            var entry = entry
            entry.dot = Dot(me, 5)
            return entry
        }
        var hugeCounter = fresh
        hugeCounter.context = VersionVector([me: RecordSchema.maxCounter + 1])
        var claimsUnseen = Forge.set("severity", "major", in: open, by: me, wall: now)
        claimsUnseen.context = claimsUnseen.context.merged(with: VersionVector([sibling.replica: 5]))
        var omitted = open
        omitted.fields["location"] = nil
        var droppedAddendum = Forge.set("severity", "major", in: withAddendum, by: me, wall: now)
        droppedAddendum.fields["addenda"] = nil
        var noNarrative = try factory.incidentReport("no-narrative")
        noNarrative.fields["narrative"] = nil
        var emptyField = try factory.incidentReport("empty-field")
        emptyField.fields["location"] = []
        let receipt = open.entries("receiptNumber")[0].value.stringValue!
        let cases: [(String, RecordState, RejectionCode?)] = [
            ("unknown record type", unknownType, .unknownRecordType),
            ("wrong schema version", newerSchema, .unsupportedSchemaVersion),
            ("unknown field", Forge.set("colour", "red", in: fresh, by: me, wall: now), .unknownField),
            ("a 100 KB narrative", Forge.set("narrative", .string(String(repeating: "長", count: 34_000)),
                                             in: try factory.incidentReport("huge"), by: me, wall: now), .invalidValue),
            ("a 300-byte record id", longID, .malformedState),
            ("a dot from the future, beyond the record's vector", futureDot, .malformedState),
            ("a counter above 2^53-1", hugeCounter, .malformedState),
            ("a dot of another replica", try sibling.patrolSignIn("foreign"), .foreignDot),
            ("a vector claiming another replica's unseen writes", claimsUnseen, .foreignDot),
            ("a stale state whose vector regresses", report, nil),
            ("a regressed vector reusing a dot with another value (a restored backup)",
             Forge.set("addenda", "a different statement", in: report, by: me, wall: now), .malformedState),
            ("a stored value omitted without a write of one's own", omitted, .malformedState),
            ("a dropped append-log entry", droppedAddendum, .appendOnly),
            ("a write stamped an hour ahead of the server",
             try RecordFactory(replica: me, station: Harness.stationA, now: now + 3_600_000).patrolSignIn("future"), .clockSkew),
            ("a new record of another station", try RecordFactory(replica: me, station: Harness.stationB, now: now).patrolSignIn("b"), .outOfScope),
            ("an edit of another station's record", Forge.set("severity", "major", in: elsewhere, by: me, wall: now), .outOfScope),
            ("an illegal lifecycle transition", Forge.set("status", "received", in: open, by: me, wall: now), .illegalTransition),
            ("an edit of a closed case", Forge.set("severity", "major", in: closed, by: me, wall: now), .locked),
            ("a rewritten receipt number", Forge.set("receiptNumber", "KH.P03.S012-0009999", in: open, by: me, wall: now), .immutableField),
            ("a required field missing", noNarrative, .missingField),
            ("a field present with no values", emptyField, .malformedState),
            ("a receipt number another case holds", try factory.incidentReport("copy", receipt: receipt), .invalidValue),
        ]
        return try cases.map { name, state, code in
            .init(name: name, body: try push([state]), expected: code.map { .rejected($0) } ?? .unchanged)
        }
    }

    /// Bodies that are not well-formed messages: refused whole with `malformedRequest` and friends.
    func wireCases() throws -> [BadInputCatalogueTests.Case] {
        let valid = Data(buffer: try push([fresh]))
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        var invalidUTF8 = Data(#"{"protocolVersion":1,"batchID":""#.utf8)
        invalidUTF8.append(contentsOf: [0xC3, 0x28, 0xFF])
        invalidUTF8.append(contentsOf: Array(#"","records":[]}"#.utf8))
        let malformed = BadInputCatalogueTests.Expected.error(.badRequest, .malformedRequest)
        let tooMany = try (0...1_000).map { try factory.patrolSignIn("many-\($0)", checkpoint: "C") }
        return [
            .init(name: "not JSON", body: ByteBuffer(string: "hello"), expected: malformed),
            .init(name: "truncated JSON", body: ByteBuffer(bytes: valid.prefix(valid.count * 2 / 3)), expected: malformed),
            .init(name: "records is a string", body: try edited { body, _ in body["records"] = "fresh" }, expected: malformed),
            .init(name: "a vector counter is text", body: try edited { _, record in record["vv"] = [self.device.replica.rawValue: "1"] },
                  expected: malformed),
            .init(name: "a counter with a fraction", body: try edited { _, record in record["vv"] = [self.device.replica.rawValue: 1.5] },
                  expected: malformed),
            .init(name: "a stamp is text", body: try editedEntry { $0["stamp"] = "yesterday" }, expected: malformed),
            .init(name: "null as a field value", body: try editedEntry { $0["value"] = NSNull() }, expected: malformed),
            .init(name: "a value nested 9 deep", body: try editedEntry { $0["value"] = [[[[[[[[["x"]]]]]]]]] }, expected: malformed),
            .init(name: "JSON nested 100,000 deep",
                  body: ByteBuffer(string: #"{"protocolVersion":1,"batchID":"deep","records":["# + deep + "]}"), expected: malformed),
            .init(name: "invalid UTF-8", body: ByteBuffer(bytes: invalidUTF8), expected: malformed),
            .init(name: "another protocol version", body: try edited { body, _ in body["protocolVersion"] = 2 },
                  expected: .error(.badRequest, .unsupportedProtocolVersion)),
            .init(name: "an empty batch id", body: try push([fresh], batch: ""), expected: malformed),
            .init(name: "a batch naming one record twice", body: try push([fresh, fresh]), expected: malformed),
            .init(name: "a batch of 1,001 records", body: try push(tooMany), expected: .error(.contentTooLarge, .payloadTooLarge)),
            .init(name: "a body over the size limit", body: ByteBuffer(repeating: 0x20, count: Self.maxBody + 1),
                  expected: .error(.contentTooLarge, .payloadTooLarge)),
            .init(name: "a batch id reused with altered content", body: try push([fresh], batch: "replay-1"),
                  expected: .error(.conflict, .batchConflict)),
            .init(name: "a cursor the server never issued", path: "/v1/pull",
                  body: ByteBuffer(bytes: try JSONEncoder().encode(PullRequest(cursor: "99999"))),
                  expected: .error(.badRequest, .invalidCursor)),
        ]
    }

    /// Requests from devices that may not write: refused before anything is read.
    func accessCases() throws -> [BadInputCatalogueTests.Case] {
        let body = try push([fresh])
        return [
            .init(name: "no credential", body: body, credential: .none, expected: .error(.unauthorized, .unauthenticated)),
            .init(name: "an unknown credential", body: body, credential: .unknown, expected: .error(.unauthorized, .unauthenticated)),
            .init(name: "a revoked credential", body: body, credential: .revoked, expected: .error(.unauthorized, .revoked)),
        ]
    }
}
