import FieldSyncClient
import FieldSyncCore
import FieldSyncStore
import Foundation

/// One simulated terminal of the demo: a real SQLite store with its own key file, a real HTTP
/// transport, the real sync engine, and the officers who share it.
struct DemoTerminal: Sendable {
    let name: String
    let role: String
    let station: UnitID
    let officers: [OfficerID]
    let store: TerminalStore
    let engine: SyncEngine

    var officer: OfficerID { officers[0] }
    var replica: ReplicaID { (try? store.identity?.replica) ?? ReplicaID("?") }

    static func open(name: String, role: String, station: UnitID, officers: [OfficerID], directory: URL,
                     server: URL) throws -> DemoTerminal {
        // The demo's officers sign in with throwaway PINs at the fast scrypt cost: it runs in seconds.
        let store = try TerminalStore(path: directory.appendingPathComponent("\(name).sqlite").path,
                                      access: .create(officer: officers[0], passphrase: "demo-\(officers[0])"),
                                      keys: StoreKeys(cost: .fast))
        for officer in officers.dropFirst() { try store.addOfficer(officer, passphrase: "demo-\(officer)") }
        // Small batches and pages, so that the storm takes several round trips as a real backlog would.
        let engine = SyncEngine(store: store, transport: HTTPTransport(baseURL: server, timeout: 10),
                                batchSize: 8, pageSize: 16, makeBatchID: { UUID().uuidString.lowercased() })
        return DemoTerminal(name: name, role: role, station: station, officers: officers, store: store, engine: engine)
    }
}
