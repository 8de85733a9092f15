import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Issue 14, items 11, 12, 14 and 15: what a device may claim, how fast tokens can be guessed, how much
/// one device may push, and control characters in free text.
@Suite("Bounds on what a device may claim and consume")
struct DeviceBoundsTests {
    @Test("a new case received at another station is outOfScope (transfers stay allowed: StorageConformance.transfer)")
    func receivingUnitInScope() async throws {
        let harness = try await Harness()
        let (device, _, factory) = try await harness.enroll(Harness.stationA)
        // Jurisdiction is the device's own station, so the old rule (any unit visible) let it in.
        let claimed = try RecordSchema.incidentReport.create(id: RecordID("claimed"), [
            .set("receiptNumber", .string(try #require(factory.receipts).next())), .set("receivedAt", .int(harness.clock.now)),
            .set("receivingUnit", .string(Harness.stationB.rawValue)), .set("jurisdictionUnit", .string(Harness.stationA.rawValue)),
            .set("category", "theft"), .set("severity", "minor"), .set("narrative", "claimed for another station"),
        ], origin: factory.origin)
        let results = try await harness.push([claimed], from: device)
        #expect(results[0].rejection?.code == .outOfScope && results[0].rejection?.fields == ["receivingUnit"], "\(results)")
        #expect(try harness.count("records") == 0)
        #expect(try await harness.push([try factory.incidentReport("own")], from: device)[0].sequence != nil)
    }

    @Test("stamps before the deployment epoch are clockSkew", arguments: [Int64(-(1 << 62)), 0, 1_577_836_799_999])
    func ancientStamps(_ wall: Int64) async throws {
        let harness = try await Harness()
        let (device, _, factory) = try await harness.enroll(Harness.stationA)
        // Plausible values, written under an ancient stamp (the terminal's clock, not the value, is off).
        let ancient = try RecordSchema.patrolSignIn.create(id: RecordID("ancient"), [
            .set("officers", .list([.string("KH1234")])), .set("checkpoint", "CP-1"), .set("unit", .string(Harness.stationA.rawValue)),
            .set("signedAt", .int(harness.clock.now)), .set("method", "qr"),
        ], origin: WriteOrigin(replica: device.replica, author: OfficerID("KH1234"), stamp: HLCTimestamp(wall: wall)))
        #expect(try await harness.push([ancient], from: device)[0].rejection?.code == .clockSkew)
        let stored = try factory.patrolSignIn("stored")
        #expect(try await harness.push([stored], from: device)[0].sequence != nil)
        let edit = Forge.set("voidReason", "late note", in: stored, by: device.replica, wall: wall)
        #expect(try await harness.push([edit], from: device)[0].rejection?.code == .clockSkew)
    }

    @Test("a device over its byte budget gets 429 with Retry-After; another station's device is not slowed")
    func byteBudget() async throws {
        let harness = try await Harness { $0.pushByteBudget = RateLimiter.Policy(requestsPerSecond: 1_000, burst: 30_000) }
        let (hog, _, hogFactory) = try await harness.enroll(Harness.stationA)
        let (other, _, otherFactory) = try await harness.enroll(Harness.stationB)
        var refused: ServerError?
        for batch in 0..<20 where refused == nil {
            do {
                _ = try await harness.push(try (0..<10).map { try hogFactory.patrolSignIn("hog-\(batch)-\($0)") }, from: hog)
            } catch let error as ServerError {
                refused = error
            }
        }
        #expect(refused?.code == .rateLimited && (refused?.protocolError.retryAfterSeconds ?? 0) >= 1, "\(String(describing: refused))")
        #expect(try await harness.push([try otherFactory.patrolSignIn("other")], from: other)[0].sequence != nil)
        harness.clock.advance(milliseconds: 60_000)
        #expect(try await harness.push([try hogFactory.patrolSignIn("hog-later")], from: hog)[0].sequence != nil, "the budget refills")
    }

    @Test("a device's second push while its first is being applied is 429; another device's push goes through meanwhile")
    func onePushAtATime() async throws {
        let harness = try await Harness()
        let gated = GatedStorage(base: harness.storage)
        let service = SyncService(storage: gated, settings: harness.service.settings, clock: { harness.clock.now })
        let (hog, _, hogFactory) = try await harness.enroll(Harness.stationA)
        let (other, _, otherFactory) = try await harness.enroll(Harness.stationB)
        let first = Task { try await service.push(PushRequest(batchID: "first", records: [try hogFactory.patrolSignIn("h1")]), from: hog) }
        var entered = gated.entered.makeAsyncIterator()
        await entered.next()
        // The first batch is held inside the storage: the device's next push is refused at once.
        do {
            _ = try await service.push(PushRequest(batchID: "second", records: [try hogFactory.patrolSignIn("h2")]), from: hog)
            Issue.record("a second push of the same device was admitted while the first was in flight")
        } catch let error as ServerError {
            #expect(error.code == .rateLimited && error.protocolError.retryAfterSeconds == 1, "\(error)")
        }
        // Another device is not held behind it (its batch enters the storage too).
        let second = Task { try await service.push(PushRequest(batchID: "other", records: [try otherFactory.patrolSignIn("o1")]), from: other) }
        await entered.next()
        gated.open()
        gated.open()
        #expect(try await first.value.results.count == 1)
        #expect(try await second.value.results.count == 1)
        // Once answered, the device may push again.
        gated.open()
        #expect(try await service.push(PushRequest(batchID: "third", records: [try hogFactory.patrolSignIn("h3")]), from: hog).results.count == 1)
    }

    @Test("wrong enrollment and admin tokens from one address get 429 past the burst; a valid device from that address is not limited")
    func unauthenticatedAttempts() async throws {
        let harness = try await Harness { $0.unauthenticatedRateLimit = RateLimiter.Policy(requestsPerSecond: 1, burst: 5) }
        let (_, credential, _) = try await harness.enroll(Harness.stationA)
        try await RouterTests.app(harness).test(.live) { client in
            var statuses: [Int] = []
            for index in 0..<12 {
                let wrong = index.isMultiple(of: 2)
                    ? try await client.execute(uri: "/v1/enroll", method: .post, headers: RouterTests.headers(nil),
                                               body: ByteBuffer(string: #"{"protocolVersion":1,"token":"guess-\#(index)","deviceName":"x"}"#))
                    : try await client.execute(uri: "/v1/admin/devices", method: .get, headers: RouterTests.headers("fsa1_guess"))
                statuses.append(wrong.status.code)
                if wrong.status == .tooManyRequests { #expect(wrong.headers[.retryAfter] != nil) }
            }
            #expect(statuses.prefix(5).allSatisfy { $0 == 403 || $0 == 401 }, "\(statuses)")
            #expect(statuses.suffix(5).allSatisfy { $0 == 429 }, "\(statuses)")
            for _ in 0..<10 {
                let pull = try await client.execute(uri: "/v1/pull", method: .post, headers: RouterTests.headers(credential),
                                                    body: ByteBuffer(string: #"{"protocolVersion":1,"limit":10}"#))
                #expect(pull.status == .ok)
            }
            let correct = try await client.execute(uri: "/v1/admin/devices", method: .get, headers: RouterTests.headers(TestServer.adminToken))
            #expect(correct.status == .tooManyRequests, "once spent, the budget refuses right guesses too: a guess cannot be tested")
        }
    }

    @Test("control characters are refused in device names and reasons, and escaped when printed")
    func controlCharacters() async throws {
        let harness = try await Harness()
        let (device, _, _) = try await harness.enroll(Harness.stationA)
        for name in ["evil\u{1B}[2J", "tab\there", "bell\u{07}", "rtl\u{202E}txt", "nul\u{0}", "c1\u{85}"] {
            let token = try await harness.service.createEnrollmentToken(station: Harness.stationA)
            await #expect(throws: ServerError.self, "\(name.debugDescription)") {
                _ = try await harness.service.enroll(EnrollRequest(token: token.token, deviceName: name))
            }
        }
        await #expect(throws: ServerError.self) { _ = try await harness.service.revoke(device.replica, reason: "stolen\u{1B}[1A") }
        #expect(try await harness.service.devices().allSatisfy { !$0.isRevoked })
        #expect(FreeText.escaped("a\u{1B}[2Jb\nc\u{202E}") == "a\\u{1B}[2Jb\\u{A}c\\u{202E}")
        #expect(FreeText.escaped("陳大文 KH-T-0001") == "陳大文 KH-T-0001")
        #expect(FreeText.problem(in: "ok\nline", allowingLineBreaks: true) == nil)
        #expect(FreeText.problem(in: "x\u{1B}") == "contains the control character U+001B")
    }
}
