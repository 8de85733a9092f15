internal import FieldSyncClient
import FieldSyncCore
import FieldSyncServer
import Foundation

/// The server side of a simulation: one SQLite database file and several stateless front ends on it,
/// each a real `SyncService` over its own `SQLiteStorage` connection pool and its own clock, as
/// several server processes sharing one database would be. A restart replaces a front end's storage
/// and service with fresh ones on the same file, as a restarted process would open it.
public final class SimulatedServer: Sendable {
    public let databasePath: String
    public let clocks: [SimulatedClock]
    public let crashPoint: CrashPoint
    let settings: SyncService.Settings
    let randomBytes: @Sendable (Int) -> [UInt8]
    private let frontEnds: LockedValue<[SyncService]>

    /// The tables a push batch writes: a crash armed on them lands inside the batch's transaction.
    static let batchTables = ["history", "records", "record_units", "quarantine", "batches", "audit", "receipt_numbers"]

    init(databasePath: String, clocks: [SimulatedClock], settings: SyncService.Settings,
         randomBytes: @escaping @Sendable (Int) -> [UInt8]) async throws {
        self.databasePath = databasePath
        self.clocks = clocks
        self.settings = settings
        self.randomBytes = randomBytes
        let first = try SQLiteStorage(path: databasePath)
        try await first.prepare()
        crashPoint = try CrashPoint(path: databasePath, tables: Self.batchTables)
        frontEnds = LockedValue([])
        let services = try clocks.indices.map { index in try makeService(index, storage: index == 0 ? first : nil) }
        frontEnds.update { $0 = services }
    }

    private func makeService(_ index: Int, storage: SQLiteStorage? = nil) throws -> SyncService {
        let clock = clocks[index]
        return SyncService(storage: try storage ?? SQLiteStorage(path: databasePath), settings: settings,
                           clock: { clock.now }, randomBytes: randomBytes)
    }

    public var count: Int { clocks.count }
    public func frontEnd(_ index: Int) -> SyncService { frontEnds.get()[index] }

    /// The process of front end `index` dies and starts again on the same database file.
    public func restart(_ index: Int) throws {
        let fresh = try makeService(index)
        frontEnds.update { $0[index] = fresh }
    }

    struct SpliceMismatch: Error, CustomStringConvertible {
        var detail: String
        var description: String {
            "the gzip answer does not inflate to the plain JSON answer: " + detail.replacingOccurrences(of: "\"", with: "'")
        }
    }

    /// The answer's gzip form inflated, after checking it against the plain form.
    static func wireBytes(_ answer: StoredSyncResponse) throws -> Data {
        let plain = try answer.json()
        guard let inflated = Gzip.decompress(Data(try answer.gzip())) else { throw SpliceMismatch(detail: "does not inflate") }
        guard inflated == plain else {
            let at = zip(inflated, plain).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(inflated.count, plain.count)
            throw SpliceMismatch(detail: "\(inflated.count) bytes against \(plain.count), first difference at \(at): "
                                 + String(decoding: inflated.dropFirst(max(0, at - 40)).prefix(80), as: UTF8.self) + " | "
                                 + String(decoding: plain.dropFirst(max(0, at - 40)).prefix(80), as: UTF8.self))
        }
        return inflated
    }

    enum Route: String, Sendable { case enroll, sync, lease }

    /// Answers one request body as the HTTP router does (authenticate, decode, call the service), with
    /// the status and body the router would send: `/v1/sync` answers with the router's own splice
    /// (`SyncService.syncStored`, `StoredSyncResponse.gzip`, inflated as a terminal would), so the simulator
    /// checks the bytes terminals get, cached pull ranges included.
    func answer(_ route: Route, body: Data, credential: String?, at index: Int) async -> (status: Int, body: Data) {
        let service = frontEnd(index)
        do {
            let json: Data
            switch route {
            case .enroll:
                json = try WireCoding.encode(try await service.enroll(try WireCoding.decode(EnrollRequest.self, from: body)))
            case .sync:
                let device = try await service.authenticate(credential: credential)
                json = try Self.wireBytes(try await service.syncStored(try WireCoding.decode(SyncRequest.self, from: body), from: device))
            case .lease:
                let device = try await service.authenticate(credential: credential)
                _ = try WireCoding.decode(LeaseRequest.self, from: body)
                json = try WireCoding.encode(try await service.lease(for: device))
            }
            return (200, json)
        } catch let error as ServerError {
            return (Int(error.status.code), (try? WireCoding.encode(error.protocolError)) ?? Data())
        } catch let error as ProtocolError {
            let error = ServerError(error)
            return (Int(error.status.code), (try? WireCoding.encode(error.protocolError)) ?? Data())
        } catch {
            return (500, Data("{\"error\":{\"code\":\"internalError\",\"message\":\"\(error)\"}}".utf8))
        }
    }
}
