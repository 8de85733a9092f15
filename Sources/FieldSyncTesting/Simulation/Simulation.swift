internal import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import FieldSyncStore
import Foundation

/// A deterministic simulation run: terminals and server front ends of the real engines in one process,
/// driven step by step by a scheduler that draws every choice from one seeded random stream and awaits
/// each step before the next, so one seed always replays the same run. Faults: partitions, lost,
/// duplicated, delayed (reordered), truncated and proxy-mangled messages, clocks skewed by hours or
/// stepped back, terminal crashes mid-write and mid-sync, server crashes mid-batch and after commit.
/// After the steps, one fault-free sync round of everyone, then `SimulationInvariants` checks the run.
public final class Simulation {
    public struct Outcome: Sendable {
        public var seed: UInt64
        public var steps: Int
        public var violations: [String]
        public var stats: SimulationStats
    }

    /// The command that replays `seed`.
    public static func replayCommand(seed: UInt64) -> String {
        "FIELDSYNC_SIM_SEED=\(seed) swift test --skip-build --filter SimulationTests/replay"
    }

    static let start: Int64 = 1_795_420_800_000
    static let hour: Int64 = 3_600_000
    static let stationCodes = ["KH.P03.S012", "KH.P05.S031", "KH.P07.S004"].map(UnitID.init)

    let seed: UInt64
    let directory: String
    let random: LockedValue<SeededRandom>
    let trueTime = LockedValue(start)
    let stats = SimulationStats()
    var terminals: [SimulatedTerminal] = []
    var server: SimulatedServer!
    var network: SimulatedNetwork!
    var workload: Workload!
    var ledger = SimulationLedger()
    var violations: [String] = []
    var faults = FaultPlan()

    public init(seed: UInt64) {
        self.seed = seed
        random = LockedValue(SeededRandom(seed: seed))
        directory = NSTemporaryDirectory() + "fieldsync-sim-\(seed)-\(UUID().uuidString)"
    }

    func draw<T>(_ body: (inout SeededRandom) -> T) -> T { random.update(body) }

    /// Runs the whole simulation and checks it. Never throws for a violation: violations are the outcome.
    public func run() async -> Outcome {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var steps = 0
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try await setUp()
            steps = draw { $0.int(60...140) }
            for _ in 0..<steps { try await step() }
            try await finalRound()
            violations += await SimulationInvariants(simulation: self).check()
        } catch {
            violations.append("the simulation itself failed: \(error)")
        }
        for terminal in terminals { try? terminal.store.close() }
        return Outcome(seed: seed, steps: steps, violations: violations, stats: stats)
    }

    private func setUp() async throws {
        faults = draw { FaultPlan.random(&$0) }
        let stations = Array(Self.stationCodes.prefix(draw { $0.int(2...3) }))
        workload = Workload(stations: stations)
        var settings = SyncService.Settings()
        settings.rateLimit = nil
        settings.leaseSize = 10
        let random = self.random
        let clocks = (0..<draw { $0.int(1...3) }).map { _ in SimulatedClock(trueTime: trueTime) }
        server = try await SimulatedServer(databasePath: directory + "/server.sqlite", clocks: clocks, settings: settings,
                                           randomBytes: { count in random.update { r in (0..<count).map { _ in UInt8.random(in: 0...255, using: &r) } } })
        network = SimulatedNetwork(server: server, random: random, stats: stats)
        for (stationIndex, station) in stations.enumerated() {
            for index in 0..<draw({ $0.int(1...3) }) {
                let name = "t\(stationIndex)\(index)"
                let officers = (1...3).map { OfficerID("K\(stationIndex)\(index)0\($0)") }
                let terminal = try SimulatedTerminal(name: name, station: station, officers: officers,
                                                     clock: SimulatedClock(trueTime: trueTime),
                                                     transport: SimulatedTransport(network: network, terminal: name),
                                                     directory: directory, random: random)
                let token = try await server.frontEnd(0).createEnrollmentToken(station: station)
                _ = try await terminal.engine.enroll(token: token.token, deviceName: name)
                terminals.append(terminal)
            }
        }
        network.configure(faults: faults.network, percent: faults.networkPercent)
    }

    // MARK: Steps

    private func step() async throws {
        trueTime.update { $0 += Int64(draw { $0.int(0...30_000) }) }
        let terminal = draw { $0.pick(terminals) }
        switch draw({ $0.weighted(faults.stepWeights) }) {
        case 0: try await write(on: terminal, crash: false)
        case 1: await sync(terminal, crashTerminal: false, crashServer: false)
        case 2: await network.deliverHeld()
        case 3:
            network.setPartitioned(terminal.name, !network.isPartitioned(terminal.name))
            stats.count("partition toggled")
        case 4: skewClock(of: terminal)
        case 5:
            if draw({ $0.percent(50) }) {
                try await write(on: terminal, crash: true)
            } else {
                await sync(terminal, crashTerminal: true, crashServer: false)
            }
        case 6:
            if draw({ $0.percent(50) }) {
                try server.restart(draw { $0.int(0...(server.count - 1)) })
                stats.count("server restarted")
            } else {
                await sync(terminal, crashTerminal: false, crashServer: true)
            }
        default:
            try terminal.restart()
            stats.count("terminal restarted")
        }
    }

    private func skewClock(of terminal: SimulatedTerminal) {
        switch draw({ $0.int(0...4) }) {
        case 0:
            terminal.clock.setOffset(Int64(draw { $0.int(-6...6) }) * Self.hour)
            stats.count("terminal clock skewed")
        case 4:
            // Just beyond the server's tolerance: refused now, admissible a few minutes later.
            terminal.clock.setOffset(Int64(draw { $0.int(11...20) }) * 60_000)
            stats.count("terminal clock skewed by minutes")
        case 1:
            terminal.clock.step(by: -Int64(draw { $0.int(1...120) }) * 60_000)
            stats.count("terminal clock stepped back")
        case 2:
            terminal.clock.setOffset(0)
        default:
            draw { $0.pick(server.clocks) }.step(by: -Int64(draw { $0.int(1...90) }) * 1_000)
            stats.count("server clock stepped back")
        }
    }

    /// One officer's write on `terminal`; with `crash`, the terminal dies inside the write's
    /// transaction (at a random row), or right after it committed.
    private func write(on terminal: SimulatedTerminal, crash: Bool) async throws {
        let records = try terminal.store.records().sorted { $0.id.rawValue < $1.id.rawValue }
        let plan = draw { workload.plan(for: terminal, records: records, now: trueTime.get(), &$0) }
        let replica = try terminal.replica
        let before = try plan.target.flatMap { try terminal.store.record($0)?.state }
        if let officer = plan.officer { try terminal.signIn(officer) }
        if crash { try terminal.crashPoint.arm(afterRows: draw { $0.int(0...4) }) }
        defer { if crash { try? terminal.crashPoint.disarm() } }
        do {
            let after = try plan.perform(terminal.store)
            ledger.record(SimulationLedger.Write(terminal: terminal.name, replica: replica, label: plan.label,
                                                 before: before, after: after.state))
            stats.count("write accepted")
            if crash {
                try terminal.crashPoint.disarm()
                try terminal.restart()
                stats.count("terminal crashed after a commit")
            }
        } catch is Rejection {
            stats.count("write refused by the rules")
        } catch let error as StoreError where [.leaseExhausted, .noLease].contains(error.code) {
            stats.count("write refused: \(error.code)")
        } catch {
            guard crash else {
                violations.append("step write '\(plan.label)' on \(terminal.name) failed: \(error)")
                return
            }
            try terminal.crashPoint.disarm()
            try terminal.restart()
            stats.count("terminal crashed mid-write")
        }
    }

    /// `terminal` syncs with a front end; with `crashTerminal` it dies inside one of the sync's store
    /// transactions, with `crashServer` the server dies inside a push batch's transaction.
    private func sync(_ terminal: SimulatedTerminal, crashTerminal: Bool, crashServer: Bool) async {
        let frontEnd = draw { $0.int(0...(server.count - 1)) }
        terminal.transport.frontEnd.update { $0 = frontEnd }
        do {
            if crashTerminal { try terminal.crashPoint.arm(afterRows: draw { $0.int(0...12) }) }
            if crashServer { try server.crashPoint.arm(afterRows: draw { $0.int(0...8) }) }
        } catch {
            violations.append("arming a crash failed: \(error)")
            return
        }
        var failure: (any Error)?
        do {
            let report = try await terminal.engine.syncUntilCaughtUp()
            stats.count("sync completed")
            stats.count("records rejected by the server", by: report.rejected)
            stats.count("conflicts pulled", by: report.conflicted.count)
        } catch {
            failure = error
        }
        do {
            if crashTerminal { try terminal.crashPoint.disarm() }
            if crashServer { try server.crashPoint.disarm() }
            guard let failure else { return }
            if let error = failure as? ClientError, Self.expected(error) {
                stats.count("sync failed: \(error.protocolError?.code.rawValue ?? error.code.rawValue)")
                if crashServer, error.protocolError?.code == .unavailable {
                    try server.restart(frontEnd)
                    stats.count("server crashed mid-batch")
                }
            } else if crashTerminal, failure is StoreError {
                try terminal.restart()
                stats.count("terminal crashed mid-sync")
            } else {
                violations.append("step sync of \(terminal.name) failed unexpectedly: \(failure)")
            }
        } catch {
            violations.append("recovering from a crash failed: \(error)")
        }
    }

    /// Failures a sync may meet in a faulty world and retry later.
    static func expected(_ error: ClientError) -> Bool {
        error.code == .unreachable || error.code == .malformedResponse || error.isTransient
    }

    /// Everyone back: partitions heal, held messages arrive, no more faults; each terminal syncs twice
    /// round the table, so that every push of the first pass reaches every terminal in the second.
    private func finalRound() async throws {
        while network.heldCount > 0 { await network.deliverHeld() }
        network.configure(faults: [], percent: 0)
        for terminal in terminals { network.setPartitioned(terminal.name, false) }
        for pass in 1...2 {
            for terminal in terminals {
                do {
                    try await terminal.engine.syncUntilCaughtUp()
                } catch {
                    violations.append("final sync (pass \(pass)) of \(terminal.name) failed: \(error)")
                }
            }
        }
    }
}
