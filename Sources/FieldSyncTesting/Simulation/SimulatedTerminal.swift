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
        store = try Self.open(storePath, .create(officer: officers[0], passphrase: Self.passphrase), clock: clock, random: random)
        for officer in officers.dropFirst() { try store.addOfficer(officer, passphrase: Self.passphrase) }
        engine = Self.engine(store, transport: transport, random: random)
        crashPoint = try CrashPoint(path: storePath, tables: Self.storeTables)
    }

    /// Every officer of a simulated terminal signs in with this passphrase. Officers take turns at every
    /// write, so scrypt runs at a token cost: the simulator tests sync, not key derivation.
    static let passphrase = "sim-pin"
    static let keys = StoreKeys(cost: KeyDerivationCost(rounds: 1 << 4, blockSize: 1))

    private static func open(_ path: String, _ access: StoreAccess, clock: SimulatedClock,
                             random: LockedValue<SeededRandom>) throws -> TerminalStore {
        try TerminalStore(path: path, access: access, keys: keys, leaseLowWater: 3, now: { clock.now },
                          makeID: { "rec-" + random.update { $0.hex(16) } })
    }

    /// The officer about to write signs in (writes are bound to the officer signed in).
    func signIn(_ officer: OfficerID) throws {
        if store.signedInOfficer != officer { try store.signIn(officer, passphrase: Self.passphrase) }
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
        store = try Self.open(storePath, .signIn(officer: officers[0], passphrase: Self.passphrase), clock: clock, random: random)
        engine = Self.engine(store, transport: transport, random: random)
    }
}
