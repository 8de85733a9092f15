internal import FieldSyncClient
import FieldSyncCore
import Foundation

/// The network between terminals and server front ends: partitions, and per-request faults drawn from
/// the run's one random stream. Requests held back (`delay`) wait here until the scheduler delivers
/// them, out of order; their answers go nowhere.
public final class SimulatedNetwork: Sendable {
    struct HeldRequest: Sendable {
        var route: SimulatedServer.Route
        var body: Data
        var credential: String?
        var frontEnd: Int
    }

    struct State: Sendable {
        var partitioned: Set<String> = []
        var faults: Set<NetworkFault> = []
        /// Chance, in percent, that a request meets one of `faults`.
        var faultPercent = 0
        var held: [HeldRequest] = []
    }

    let server: SimulatedServer
    let random: LockedValue<SeededRandom>
    let stats: SimulationStats
    private let state = LockedValue(State())

    init(server: SimulatedServer, random: LockedValue<SeededRandom>, stats: SimulationStats) {
        self.server = server
        self.random = random
        self.stats = stats
    }

    func configure(faults: Set<NetworkFault>, percent: Int) {
        state.update { $0.faults = faults; $0.faultPercent = percent }
    }

    func setPartitioned(_ terminal: String, _ partitioned: Bool) {
        state.update { if partitioned { $0.partitioned.insert(terminal) } else { $0.partitioned.remove(terminal) } }
    }

    func isPartitioned(_ terminal: String) -> Bool { state.get().partitioned.contains(terminal) }
    var heldCount: Int { state.get().held.count }

    /// Delivers one held request (picked at random), whose answer nobody reads.
    func deliverHeld() async {
        let request: HeldRequest? = state.update { state in
            guard !state.held.isEmpty else { return nil }
            let index = random.update { $0.int(0...(state.held.count - 1)) }
            return state.held.remove(at: index)
        }
        guard let request else { return }
        stats.count("delivered late")
        _ = await server.answer(request.route, body: request.body, credential: request.credential, at: request.frontEnd)
    }

    private func drawFault() -> NetworkFault? {
        let current = state.get()
        guard !current.faults.isEmpty else { return nil }
        let faults = NetworkFault.allCases.filter(current.faults.contains)
        return random.update { random in random.percent(current.faultPercent) ? random.pick(faults) : nil }
    }

    /// One request from `terminal` to front end `frontEnd`, through the faults, read as the HTTP
    /// transport reads answers.
    func send<Response: ProtocolMessage>(_ route: SimulatedServer.Route, _ message: some Encodable, credential: String?,
                                         from terminal: String, to frontEnd: Int) async throws(ClientError) -> Response {
        let body: Data
        do { body = try WireCoding.encode(message) } catch {
            throw ClientError(.malformedResponse, "could not encode the request: \(error)")
        }
        let unreachable = ClientError(.unreachable, "simulated network: no answer")
        if isPartitioned(terminal) {
            stats.count("partitioned request")
            throw unreachable
        }
        let fault = drawFault()
        if let fault { stats.count(fault.rawValue) }
        switch fault {
        case .dropRequest:
            throw unreachable
        case .delay:
            state.update { $0.held.append(HeldRequest(route: route, body: body, credential: credential, frontEnd: frontEnd)) }
            throw unreachable
        default:
            break
        }
        var answer = await server.answer(route, body: body, credential: credential, at: frontEnd)
        switch fault {
        case .dropResponse:
            throw unreachable
        case .crashAfterCommit:
            do { try server.restart(frontEnd) } catch { preconditionFailure("restarting front end \(frontEnd): \(error)") }
            throw unreachable
        case .duplicate:
            let second = await server.answer(route, body: body, credential: credential, at: frontEnd)
            if random.update({ $0.percent(50) }) { answer = second }
        case .truncateResponse:
            let keep = random.update { $0.int(0...max(0, answer.body.count - 1)) }
            answer.body = answer.body.prefix(keep)
        case .proxyError:
            answer = (502, Data("<html><body><h1>502 Bad Gateway</h1></body></html>".utf8))
        default:
            break
        }
        return try HTTPTransport.interpret(status: answer.status, body: answer.body, path: "v1/\(route.rawValue)")
    }
}

/// One terminal's transport: the simulated network, to the front end the scheduler picked.
final class SimulatedTransport: SyncTransport {
    let network: SimulatedNetwork
    let terminal: String
    let frontEnd = LockedValue(0)

    init(network: SimulatedNetwork, terminal: String) {
        self.network = network
        self.terminal = terminal
    }

    func enroll(_ request: EnrollRequest) async throws(ClientError) -> EnrollResponse {
        try await network.send(.enroll, request, credential: nil, from: terminal, to: frontEnd.get())
    }

    func sync(_ request: SyncRequest, credential: String) async throws(ClientError) -> SyncResponse {
        try await network.send(.sync, request, credential: credential, from: terminal, to: frontEnd.get())
    }

    func lease(_ request: LeaseRequest, credential: String) async throws(ClientError) -> LeaseResponse {
        try await network.send(.lease, request, credential: credential, from: terminal, to: frontEnd.get())
    }
}
