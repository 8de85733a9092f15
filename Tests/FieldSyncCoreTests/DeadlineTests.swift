import FieldSyncCore
import Testing

/// The incident report's intake deadlines, computed from the state alone with an injected clock: met,
/// missed, met late, met on another terminal (and so met everywhere once joined), and a transfer chain
/// of three stations.
@Suite struct DeadlineTests {
    static let schema = RecordSchema.incidentReport
    static let hour = Deadline.hour
    static let minute: Int64 = 60_000
    /// When the case was received (Fixtures.epoch is also its `receivedAt`).
    static let received = Fixtures.epoch

    /// A major case received at `received` by terminal T1 (written a minute after receipt).
    static func majorCase() throws -> RecordState {
        try schema.apply([.set("severity", "major")], to: Fixtures.incident(), origin: Fixtures.origin("T1", wall: minute))
    }

    static func status(_ name: String, of state: RecordState, at now: Int64) -> DeadlineStatus? {
        schema.deadlineStatuses(of: state, now: now).first { $0.deadline == name }
    }

    @Test func aMajorCaseNotifiedWithinTheHourMeetsItsDeadline() throws {
        let major = try Self.majorCase()
        let running = try #require(Self.status("majorCaseNotified", of: major, at: Self.received + 40 * Self.minute))
        #expect(running.outcome == .running)
        #expect(running.startedAt == Self.received && running.dueAt == Self.received + Self.hour)

        let notified = try Self.schema.apply([.set("notifiedAt", .int(Self.received + 50 * Self.minute))], to: major,
                                             origin: Fixtures.origin("T1", wall: 50 * Self.minute))
        let met = try #require(Self.status("majorCaseNotified", of: notified, at: Self.received + 3 * Self.hour))
        #expect(met.outcome == .met)
        #expect(met.metAt == Self.received + 50 * Self.minute)
        #expect(!met.isOpen)
    }

    @Test func aMajorCaseNotNotifiedIsOverdueAfterTheHourAndMetLateWhenNotified() throws {
        let major = try Self.majorCase()
        #expect(Self.status("majorCaseNotified", of: major, at: Self.received + Self.hour)?.outcome == .running, "due, not yet past due")
        #expect(Self.status("majorCaseNotified", of: major, at: Self.received + Self.hour + 1)?.outcome == .overdue)

        let late = try Self.schema.apply([.set("notifiedAt", .int(Self.received + 90 * Self.minute))], to: major,
                                         origin: Fixtures.origin("T1", wall: 90 * Self.minute))
        let status = try #require(Self.status("majorCaseNotified", of: late, at: Self.received + 2 * Self.hour))
        #expect(status.outcome == .metLate)
        #expect(status.metAt == Self.received + 90 * Self.minute)
    }

    @Test func aVoidedCaseOwesWhatItHadNotMetNoLongerAndKeepsWhatItHadMet() throws {
        let major = try Self.majorCase()
        let voided = try Self.schema.apply([.set("voidReason", "entered twice"), .set("status", "voided")], to: major,
                                           origin: Fixtures.origin("T1", wall: 2 * Self.hour))
        for (name, at) in [("majorCaseNotified", 3 * Self.hour), ("nationalSystemEntry", 72 * Self.hour)] {
            let status = try #require(Self.status(name, of: voided, at: Self.received + at))
            #expect(status.outcome == .waived && !status.isOpen, "\(name)")
        }
        #expect(SchemaRegistry.standard.openDeadlines(in: [voided], now: Self.received + 72 * Self.hour).isEmpty,
                "nothing to list or count for a voided case")

        let notified = try Self.schema.apply([.set("notifiedAt", .int(Self.received + 50 * Self.minute))], to: major,
                                             origin: Fixtures.origin("T1", wall: 50 * Self.minute))
        let voidedAfter = try Self.schema.apply([.set("voidReason", "entered twice"), .set("status", "voided")], to: notified,
                                                origin: Fixtures.origin("T1", wall: 2 * Self.hour))
        #expect(Self.status("majorCaseNotified", of: voidedAfter, at: Self.received + 3 * Self.hour)?.outcome == .met,
                "met before the case was voided: still met")
        #expect(Self.status("majorCaseNotified", of: major, at: Self.received + 3 * Self.hour)?.outcome == .overdue,
                "the same case not voided is overdue")
    }

    @Test func anOrdinaryCaseHasNoNotificationDeadlineButTheNationalSystemOne() throws {
        let ordinary = Fixtures.incident()
        let statuses = Self.schema.deadlineStatuses(of: ordinary, now: Self.received + 47 * Self.hour)
        #expect(statuses.map(\.deadline) == ["nationalSystemEntry"], "no transfer, not major")
        #expect(statuses[0].outcome == .running)
        #expect(Self.status("nationalSystemEntry", of: ordinary, at: Self.received + 49 * Self.hour)?.outcome == .overdue)
        // A time before the case was received does not meet it (a unit mistake, or the wrong case).
        let early = try Self.schema.apply([.set("nationalSystemEnteredAt", .int(Self.received - Self.hour))], to: ordinary,
                                          origin: Fixtures.origin("T1", wall: Self.hour))
        #expect(Self.status("nationalSystemEntry", of: early, at: Self.received + 49 * Self.hour)?.outcome == .overdue)
    }

    @Test func aDeadlineMetOnAnotherTerminalIsMetEverywhereOnceJoined() throws {
        let base = try Self.majorCase()
        // T2 notifies while T1 is offline and edits something else; then they sync (join, both orders).
        let onT2 = try Self.schema.apply([.set("notifiedAt", .int(Self.received + 20 * Self.minute))], to: base,
                                         origin: Fixtures.origin("T2", wall: 20 * Self.minute))
        let onT1 = try Self.schema.apply([.set("location", "Gate 2")], to: base, origin: Fixtures.origin("T1", wall: 30 * Self.minute))
        let now = Self.received + 2 * Self.hour
        #expect(Self.status("majorCaseNotified", of: onT1, at: now)?.outcome == .overdue, "T1 alone cannot know")
        for joined in [onT1.joined(with: onT2), onT2.joined(with: onT1)] {
            let status = try #require(Self.status("majorCaseNotified", of: joined, at: now))
            #expect(status.outcome == .met)
            #expect(status.metAt == Self.received + 20 * Self.minute)
        }
        #expect(Self.schema.deadlineStatuses(of: onT1.joined(with: onT2), now: now)
                == Self.schema.deadlineStatuses(of: onT2.joined(with: onT1), now: now))
    }

    @Test func aTransferChainOfThreeStationsRestartsTheAcceptanceClockAtEachTransfer() throws {
        let s1 = "KH.P03.S012", s2 = "KH.P05.S031", s3 = "KH.P07.S002"
        var state = try Self.schema.apply([.set("status", "receiptIssued")], to: Fixtures.incident(),
                                          origin: Fixtures.origin("T1", wall: Self.minute))
        // S1 transfers to S2 at +1 h; S2 accepts at +5 h (in time); the reporter is told at +10 h.
        state = try Self.schema.apply([
            .append("transfers", .object(["from": .string(s1), "to": .string(s2), "reason": "jurisdiction"])),
            .set("jurisdictionUnit", .string(s2)), .set("status", "transferred"),
        ], to: state, origin: Fixtures.origin("T1", wall: Self.hour))
        let firstTransfer = Self.received + Self.hour
        #expect(Self.status("transferAccepted", of: state, at: firstTransfer + 2 * Self.hour)?.outcome == .running)
        #expect(Self.status("transferAccepted", of: state, at: firstTransfer)?.dueAt == firstTransfer + 24 * Self.hour)
        state = try Self.schema.apply([.set("status", "accepted")], to: state, origin: Fixtures.origin("T2", wall: 5 * Self.hour))
        state = try Self.schema.apply([.set("reporterToldInWritingAt", .int(Self.received + 10 * Self.hour))], to: state,
                                      origin: Fixtures.origin("T2", wall: 10 * Self.hour))
        let acceptedAtS2 = try #require(Self.status("transferAccepted", of: state, at: Self.received + 30 * Self.hour))
        #expect(acceptedAtS2.outcome == .met && acceptedAtS2.metAt == Self.received + 5 * Self.hour)
        #expect(Self.status("reporterToldOfTransfer", of: state, at: Self.received + 30 * Self.hour)?.outcome == .met)

        // S2 transfers on to S3 at +40 h: both clocks start again; S2's acceptance and letter no longer count.
        state = try Self.schema.apply([
            .append("transfers", .object(["from": .string(s2), "to": .string(s3), "reason": "suspect's residence"])),
            .set("jurisdictionUnit", .string(s3)), .set("status", "transferred"),
        ], to: state, origin: Fixtures.origin("T2", wall: 40 * Self.hour))
        let secondTransfer = Self.received + 40 * Self.hour
        let waiting = try #require(Self.status("transferAccepted", of: state, at: secondTransfer + Self.hour))
        #expect(waiting.outcome == .running && waiting.startedAt == secondTransfer)
        #expect(Self.status("reporterToldOfTransfer", of: state, at: secondTransfer + Self.hour)?.outcome == .running)
        #expect(Self.status("transferAccepted", of: state, at: secondTransfer + 25 * Self.hour)?.outcome == .overdue)

        // S3 accepts 30 hours after the transfer: met late. Then it investigates: still met, time no longer in the state.
        state = try Self.schema.apply([.set("status", "accepted")], to: state, origin: Fixtures.origin("T3", wall: 70 * Self.hour))
        let late = try #require(Self.status("transferAccepted", of: state, at: Self.received + 80 * Self.hour))
        #expect(late.outcome == .metLate && late.metAt == Self.received + 70 * Self.hour)
        state = try Self.schema.apply([.set("status", "investigating")], to: state, origin: Fixtures.origin("T3", wall: 71 * Self.hour))
        let moved = try #require(Self.status("transferAccepted", of: state, at: Self.received + 80 * Self.hour))
        #expect(moved.outcome == .met && moved.metAt == nil)
        #expect(Self.status("reporterToldOfTransfer", of: state, at: secondTransfer + 73 * Self.hour)?.outcome == .overdue)
    }

    @Test func fieldsOfVersionTwoAreUnknownToAVersionOneState() throws {
        var state = try Self.schema.apply([.set("notifiedAt", .int(Self.received))], to: try Self.majorCase(),
                                          origin: Fixtures.origin("T1", wall: 2 * Self.minute))
        #expect(state.schemaVersion == 2)
        #expect(Self.schema.wellFormednessProblem(of: state) == nil)
        state.schemaVersion = 1
        let problem = try #require(Self.schema.wellFormednessProblem(of: state))
        #expect(problem.code == .unknownField && problem.fields == ["notifiedAt"])
    }
}
