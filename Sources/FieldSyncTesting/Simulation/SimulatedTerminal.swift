internal import FieldSyncClient
import FieldSyncCore
import FieldSyncStore
import Foundation

/// One terminal of a simulation: a real `TerminalStore` on its own SQLite file and a real `SyncEngine`,
/// whose only stand-in is the transport. A crash closes the store and opens it again from its files.
final class SimulatedTerminal {
    let name: String
    let station: UnitID
    let officers: [OfficerID]
    let clock: SimulatedClock
    let transport: SimulatedTransport
    let storePath: String
    let keyPath: String
    let crashPoint: CrashPoint
    private let random: LockedValue<SeededRandom>
    private(set) var store: TerminalStore
    private(set) var engine: SyncEngine

    /// Tables the store writes in its transactions: a crash armed on them lands mid-transaction.
    static let storeTables = ["record", "meta", "receipt_lease", "clock", "rejected_change", "held_record"]

    init(name: String, station: UnitID, officers: [OfficerID], clock: SimulatedClock, transport: SimulatedTransport,
         directory: String, random: LockedValue<SeededRandom>) throws {
        self.name = name
        self.station = station
        self.officers = officers
        self.clock = clock
        self.transport = transport
        self.random = random
        storePath = "\(directory)/\(name).sqlite"
        keyPath = "\(directory)/\(name).key"
        store = try Self.open(storePath, keyPath, clock: clock, random: random)
        engine = Self.engine(store, transport: transport, random: random)
        crashPoint = try CrashPoint(path: storePath, tables: Self.storeTables)
    }

    private static func open(_ path: String, _ key: String, clock: SimulatedClock,
                             random: LockedValue<SeededRandom>) throws -> TerminalStore {
        try TerminalStore(path: path, keyFile: key, leaseLowWater: 3, now: { clock.now },
                          makeID: { "rec-" + random.update { $0.hex(16) } })
    }

    private static func engine(_ store: TerminalStore, transport: SimulatedTransport,
                               random: LockedValue<SeededRandom>) -> SyncEngine {
        // Small batches and pages: every sync crosses several round trips, each a chance for a fault.
        SyncEngine(store: store, transport: transport, batchSize: 4, pageSize: 5,
                   makeBatchID: { "b-" + random.update { $0.hex(16) } })
    }

    var replica: ReplicaID { get throws { try store.identity!.replica } }

    /// The process dies and starts again: the store is reopened from what its files hold.
    func restart() throws {
        try? store.close()
        store = try Self.open(storePath, keyPath, clock: clock, random: random)
        engine = Self.engine(store, transport: transport, random: random)
    }
}
