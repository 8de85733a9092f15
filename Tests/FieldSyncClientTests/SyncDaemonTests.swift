import FieldSyncClient
import FieldSyncCore
import FieldSyncStore
import FieldSyncTesting
import Foundation
import Logging
import Testing

/// The daemon's schedule, driven by an injected sleep that records each wait and returns at once:
/// no real time passes and nothing sleeps for synchronisation.
@Suite struct SyncDaemonTests {
    /// Records the schedule and stops the daemon after `stopAfter` waits.
    final class Schedule: Sendable {
        let waits = LockedValue<[Duration]>([])
        let daemon = LockedValue<SyncDaemon?>(nil)
        let stopAfter: Int

        init(stopAfter: Int) { self.stopAfter = stopAfter }

        func sleep(_ duration: Duration) async throws {
            let count = waits.update { $0.append(duration); return $0.count }
            if count >= stopAfter { daemon.get()?.stop() }
        }
    }

    /// A round that plays `outcomes` in order (nil = success), then succeeds.
    final class ScriptedRounds: Sendable {
        let outcomes: LockedValue<[ClientError?]>
        let calls = LockedValue(0)

        init(_ outcomes: [ClientError?]) { self.outcomes = LockedValue(outcomes) }

        func round() async throws -> SyncEngine.Report {
            calls.update { $0 += 1 }
            let next = outcomes.update { $0.isEmpty ? nil : $0.removeFirst() }
            if let next { throw next }
            var report = SyncEngine.Report()
            report.roundTrips = 1
            return report
        }
    }

    func makeDaemon(_ rounds: ScriptedRounds, _ schedule: Schedule, statusFile: String? = nil) -> SyncDaemon {
        let timing = SyncDaemon.Timing(interval: .seconds(300),
                                       backoff: Backoff(baseMilliseconds: 1_000, capMilliseconds: 8_000, random: { $0 / 2 }))
        let daemon = SyncDaemon(round: { try await rounds.round() },
                                snapshot: { SyncStatus(state: .idle, deviceName: "t1", outbox: 3, leaseRemaining: 42) },
                                statusFile: statusFile, timing: timing, logger: Self.quiet,
                                sleep: { try await schedule.sleep($0) }, now: { 1_000_000 })
        schedule.daemon.update { $0 = daemon }
        return daemon
    }

    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let unreachable = ClientError(.unreachable, "no route to host")

    @Test func failuresBackOffExponentiallyWithJitterThenTheTimerTakesOver() async throws {
        let rounds = ScriptedRounds([Self.unreachable, Self.unreachable, Self.unreachable, Self.unreachable, Self.unreachable])
        let schedule = Schedule(stopAfter: 7)
        try await makeDaemon(rounds, schedule).run()
        // Ceilings 1, 2, 4, 8, 8 s (capped), jittered to half by the injected random source; then success.
        #expect(schedule.waits.get() == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(4),
                                         .seconds(300), .seconds(300)])
        #expect(rounds.calls.get() == 7)
    }

    @Test func theServersRetryAfterIsHonoured() async throws {
        let busy = ClientError(.server, "busy", protocolError: ProtocolError(.rateLimited, "slow down", retryAfterSeconds: 30))
        let rounds = ScriptedRounds([busy])
        let schedule = Schedule(stopAfter: 2)
        try await makeDaemon(rounds, schedule).run()
        #expect(schedule.waits.get() == [.seconds(30), .seconds(300)])
    }

    @Test func aRevocationStopsTheDaemonAndIsReported() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rounds = ScriptedRounds([ClientError(.revoked, "device revoked")])
        let schedule = Schedule(stopAfter: 100)
        try await makeDaemon(rounds, schedule, statusFile: path).run()
        #expect(rounds.calls.get() == 1)
        #expect(schedule.waits.get().isEmpty)
        #expect(try SyncStatus.read(from: path).state == .revoked)
    }

    @Test func aTerminalThatCannotEnrollStopsInsteadOfRetryingForever() async throws {
        let rounds = ScriptedRounds([ClientError(.notEnrolled, "no token")])
        let schedule = Schedule(stopAfter: 100)
        await #expect(throws: ClientError.self) { try await makeDaemon(rounds, schedule).run() }
        #expect(rounds.calls.get() == 1)
        #expect(schedule.waits.get().isEmpty)
    }

    @Test func theStatusFileTellsWhatHappenedAndWhenTheNextAttemptIs() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rounds = ScriptedRounds([Self.unreachable])
        // Stop after the first wait, and read the status the failed round left.
        let observed = LockedValue<SyncStatus?>(nil)
        let stopping = Schedule(stopAfter: 1)
        let probe = SyncDaemon(round: { try await rounds.round() },
                               snapshot: { SyncStatus(state: .idle, deviceName: "t1", outbox: 3, leaseRemaining: 42) },
                               statusFile: path, timing: .init(interval: .seconds(300), backoff: Backoff(random: { _ in 250 })),
                               logger: Self.quiet,
                               sleep: { duration in
                                   observed.update { $0 = try? SyncStatus.read(from: path) }
                                   try await stopping.sleep(duration)
                               }, now: { 1_000_000 })
        stopping.daemon.update { $0 = probe }
        try await probe.run()
        let afterFailure = try #require(observed.get())
        #expect(afterFailure.state == .backingOff)
        #expect(afterFailure.consecutiveFailures == 1)
        #expect(afterFailure.nextAttemptAt == 1_000_250)
        #expect(afterFailure.outbox == 3 && afterFailure.leaseRemaining == 42)
        #expect(afterFailure.lastError?.contains("no route to host") == true)
        #expect(try SyncStatus.read(from: path).state == .stopped)
    }

    @Test func aLocalChangeWakesAnIdleDaemonBeforeTheTimer() async throws {
        let rounds = ScriptedRounds([])
        let daemon = LockedValue<SyncDaemon?>(nil)
        let instance = SyncDaemon(round: {
                                      let report = try await rounds.round()
                                      // The first round's wait is cut short by a local change; the second stops.
                                      if rounds.calls.get() == 1 { daemon.get()?.localChange() } else { daemon.get()?.stop() }
                                      return report
                                  },
                                  snapshot: { SyncStatus(state: .idle, deviceName: "t1") }, statusFile: nil,
                                  timing: .init(interval: .seconds(3_600), backoff: Backoff()), logger: Self.quiet,
                                  sleep: { duration in
                                      // Never returns by itself: only the wake-up (or stop) ends the wait.
                                      while !Task.isCancelled { await Task.yield() }
                                  })
        daemon.update { $0 = instance }
        try await instance.run()
        #expect(rounds.calls.get() == 2, "the local change triggered a second round long before the hour-long timer")
    }
}

/// The daemon around a real engine, store and server: a write made before start reaches the server in
/// the first round, and the status file says so.
@Suite struct SyncDaemonLiveTests {
    @Test func theFirstRoundPushesTheOutboxAndTheStatusFileShowsIt() async throws {
        let fixture = try await SyncFixture()
        let terminal = try await fixture.terminal("a1", station: SyncFixture.stationA)
        let record = try terminal.store.createPatrolSignIn(NewPatrolSignIn(
            officers: [OfficerID("KH1001")], checkpoint: "CP-1", unit: SyncFixture.stationA,
            signedAt: fixture.server.clock.now, method: .qr), by: OfficerID("KH1001"))
        let statusFile = fixture.directory.appendingPathComponent("status.json").path
        let waits = SyncDaemonTests.Schedule(stopAfter: 1)
        let daemon = SyncDaemon(round: { try await terminal.engine.syncUntilCaughtUp() },
                                snapshot: { SyncStatus(state: .idle, deviceName: "a1", outbox: try terminal.store.pendingPushCount(),
                                                       leaseRemaining: try terminal.store.leaseStatus.remaining) },
                                statusFile: statusFile, timing: .init(interval: .seconds(300), backoff: Backoff()),
                                logger: SyncDaemonTests.quiet, sleep: { try await waits.sleep($0) })
        waits.daemon.update { $0 = daemon }
        try await daemon.run()

        #expect(try await fixture.serverRecords(visibleTo: terminal)[record.id] != nil)
        let status = try SyncStatus.read(from: statusFile)
        #expect(status.state == .stopped)
        #expect(status.outbox == 0)
        #expect(status.lastSuccessAt != nil && status.lastReport?.accepted == 1)
        #expect(waits.waits.get() == [.seconds(300)])
        try await fixture.tearDown()
    }

    @Test func aLockedDaemonWaitsWithoutFailingSaysSoAndSyncsOnceAnOfficerSignsIn() async throws {
        let fixture = try await SyncFixture()
        let terminal = try await fixture.terminal("a1", station: SyncFixture.stationA)
        let officer = OfficerID("KH1001")
        let record = try terminal.store.createPatrolSignIn(NewPatrolSignIn(
            officers: [officer], checkpoint: "CP-1", unit: SyncFixture.stationA,
            signedAt: fixture.server.clock.now, method: .qr), by: officer)
        let keys = StoreKeys(sessionDirectory: fixture.directory.appendingPathComponent("run").path, cost: .fast)
        let path = terminal.store.path
        // The daemon's own store: no key until somebody signs in on the terminal.
        let store = try TerminalStore(path: path, access: .locked, keys: keys)
        let engine = SyncEngine(store: store, transport: fixture.http, makeBatchID: { UUID().uuidString })
        let statusFile = fixture.directory.appendingPathComponent("status.json").path
        let seen = LockedValue<[SyncStatus.State]>([])
        let waits = LockedValue<[Duration]>([])
        let daemonRef = LockedValue<SyncDaemon?>(nil)
        let daemon = SyncDaemon(
            round: {
                try store.refreshSession()
                return try await engine.syncUntilCaughtUp()
            },
            snapshot: { SyncStatus(state: .idle, deviceName: "a1", outbox: try store.pendingPushCount(), leaseRemaining: 0) },
            statusFile: statusFile, timing: .init(interval: .seconds(300), backoff: Backoff(), lockedPoll: .seconds(2)),
            logger: SyncDaemonTests.quiet,
            sleep: { duration in
                let count = waits.update { $0.append(duration); return $0.count }
                seen.update { $0.append((try? SyncStatus.read(from: statusFile))?.state ?? .idle) }
                // After the first (locked) round, the officer signs in from another process.
                if count == 1 {
                    _ = try TerminalStore(path: path, access: .signIn(officer: officer, passphrase: "pin-KH1001"), keys: keys)
                }
                if count >= 2 { daemonRef.get()?.stop() }
            })
        daemonRef.update { $0 = daemon }
        try await daemon.run()

        #expect(seen.get() == [.locked, .idle])
        #expect(waits.get() == [.seconds(2), .seconds(300)], "a locked round is not a failure: no backoff")
        #expect(try await fixture.serverRecords(visibleTo: terminal)[record.id] != nil, "the outbox kept while locked was pushed")
        #expect(try store.pendingPushCount() == 0)
        try await fixture.tearDown()
    }
}
