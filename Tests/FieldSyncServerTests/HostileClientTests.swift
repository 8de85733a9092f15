import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// A rogue terminal and a hostile network against a real `fieldsync server` process on a real port.
@Suite("Hostile clients against a real server process")
struct HostileClientTests {
    /// A server process on a fresh SQLite file with an administrator token, and one enrolled terminal.
    struct Live {
        let server: ServerProcess
        let http: HTTPTestClient
        let credential: String
        let directory: URL

        static func start(_ environment: [String: String] = [:]) async throws -> Live {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-hostile-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let server = try await ServerProcess.start(environment: [
                "FIELDSYNC_STORAGE_PATH": directory.appendingPathComponent("server.sqlite").path,
                "FIELDSYNC_ADMIN_TOKEN_HASH": AdminToken.verifier(of: TestServer.adminToken),
                "FIELDSYNC_LOG_LEVEL": "warning",
            ].merging(environment) { $1 })
            let http = HTTPTestClient(baseURL: server.baseURL)
            let issued = try await http.post("/v1/admin/enrollment-tokens", ["station": "KH.P03.S012"], bearer: TestServer.adminToken)
            let token = try issued.decode(IssuedEnrollmentToken.self).token
            let enrolled = try await http.post("/v1/enroll", EnrollRequest(token: token, deviceName: "rogue"))
            return Live(server: server, http: http, credential: try enrolled.decode(EnrollResponse.self).credential, directory: directory)
        }

        func stop() {
            server.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test("a pull cursor beyond Int64 (through /v1/pull and /v1/sync) is invalidCursor and the process keeps serving")
    func hugeCursor() async throws {
        let live = try await Live.start()
        defer { live.stop() }
        for cursor in ["9223372036854775808", "18446744073709551615", "18446744073709551616", String(repeating: "9", count: 5_000), "-1"] {
            let pull = try await live.http.post("/v1/pull", PullRequest(cursor: cursor, limit: 10), bearer: live.credential)
            #expect(pull.status == 400 && pull.protocolError?.code == .invalidCursor, "\(cursor.prefix(30)): \(pull.status)")
            let sync = try await live.http.post("/v1/sync", SyncRequest(push: nil, pull: PullRequest(cursor: cursor, limit: 10)), bearer: live.credential)
            #expect(sync.status == 400 && sync.protocolError?.code == .invalidCursor, "\(cursor.prefix(30)): \(sync.status)")
        }
        #expect(live.server.process.isRunning)
        #expect(try await live.http.send("GET", "/health").status == 200)
        let valid = try await live.http.post("/v1/pull", PullRequest(cursor: "0", limit: 10), bearer: live.credential)
        #expect(valid.status == 200)
    }

    @Test("the per-address cap closes the connection over it at once and gives places back when connections close")
    func perAddressCap() async throws {
        let live = try await Live.start(["FIELDSYNC_LIMITS_MAX_CONNECTIONS_PER_ADDRESS": "5"])
        defer { live.stop() }
        for round in 0..<3 {
            var held: [Int32] = []
            for _ in 0..<5 { held.append(try RawSocket.connect(port: live.server.port, from: "127.0.0.3")) }
            // Each held socket is open: it answers a request.
            for socket in held {
                try RawSocket.send(socket, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                let answer = try RawSocket.readUntilClosed(socket, deadline: .now + .seconds(30))
                #expect(answer.hasPrefix("HTTP/1.1 200"), "round \(round): \(answer.prefix(40))")
            }
            let over = try RawSocket.connect(port: live.server.port, from: "127.0.0.3")
            let refused = try RawSocket.readUntilClosed(over, deadline: .now + .seconds(30))
            #expect(refused.isEmpty && RawSocket.isClosedByPeer(over), "round \(round): the sixth is closed without an answer")
            _ = close(over)
            // Another address is not affected.
            #expect(try await live.http.send("GET", "/health").status == 200)
            held.forEach { _ = close($0) }
            // The server gives the places back as it sees the sockets close; the next round needs them.
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let probe = try RawSocket.connect(port: live.server.port, from: "127.0.0.3")
                try RawSocket.send(probe, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                let answer = try RawSocket.readUntilClosed(probe, deadline: .now + .seconds(30))
                _ = close(probe)
                if answer.hasPrefix("HTTP/1.1 200") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    @Test("2,000 idle and 50 slow-loris connections: /health and a terminal's sync still answer, the attackers are closed")
    func connectionFlood() async throws {
        // This process holds ~2,100 sockets; the server raises its own limit at start.
        FileDescriptorLimit.raise()
        let idleSeconds = 2
        let live = try await Live.start([
            "FIELDSYNC_LIMITS_IDLE_TIMEOUT_SECONDS": String(idleSeconds),
            "FIELDSYNC_LIMITS_REQUEST_READ_TIMEOUT_SECONDS": String(idleSeconds),
            "FIELDSYNC_LIMITS_MAX_CONNECTIONS_PER_ADDRESS": "1500",
        ])
        defer { live.stop() }
        let port = live.server.port
        // The attackers come from 127.0.0.2, the terminal from 127.0.0.1: the per-address cap is part of
        // what keeps the terminal served.
        var attackers: [Int32] = []
        defer { attackers.forEach { _ = close($0) } }
        for _ in 0..<2_000 { attackers.append(try RawSocket.connect(port: port, from: "127.0.0.2")) }
        for index in 0..<25 {
            let socket = try RawSocket.connect(port: port, from: "127.0.0.2")
            try RawSocket.send(socket, "POST /v1/push HTTP/1.1\r\nHost: x\r\nX-Slow-\(index): ")   // a head never finished
            attackers.append(socket)
        }
        for _ in 0..<25 {
            let socket = try RawSocket.connect(port: port, from: "127.0.0.2")
            try RawSocket.send(socket, "POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"proto")
            attackers.append(socket)
        }
        let announced = try RawSocket.connect(port: port, from: "127.0.0.2")
        defer { _ = close(announced) }
        try RawSocket.send(announced, "POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(live.credential)\r\n"
                           + "Content-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n{")

        // While they are all open:
        #expect(try await live.http.send("GET", "/health").status == 200)
        let sync = try await live.http.post("/v1/sync", SyncRequest(push: nil, pull: PullRequest(cursor: nil)), bearer: live.credential)
        #expect(sync.status == 200)
        let answer = try RawSocket.readUntilClosed(announced, deadline: .now + .seconds(30))
        #expect(answer.hasPrefix("HTTP/1.1 413"), "a 10^12-byte body is refused from its head: \(answer.prefix(80))")

        // Every attacker is closed by the server: the idle and slow ones after the configured timeouts,
        // those over the per-address cap at once. (The deadline is far beyond the timeouts: it only keeps a
        // failing run from hanging.)
        let start = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(idleSeconds * 15)
        var open = attackers
        while !open.isEmpty, ContinuousClock.now < deadline {
            open = open.filter { !RawSocket.isClosedByPeer($0) }
            if !open.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(open.isEmpty, "\(open.count) of \(attackers.count) attacker connections still open after \(ContinuousClock.now - start)")
        print("connectionFlood: every attacker closed \(ContinuousClock.now - start) after the check began (idle timeout \(idleSeconds) s)")
        #expect(try await live.http.send("GET", "/health").status == 200)
    }
}

/// Plain POSIX sockets, to hold connections open the way an attacker would.
enum RawSocket {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func connect(port: Int, from source: String) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, connected == 0 else {
            let code = errno
            _ = close(socket)
            throw Failure(description: "connect from \(source): errno \(code)")
        }
        return socket
    }

    static func send(_ socket: Int32, _ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(socket, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw Failure(description: "send: errno \(errno)") }
    }

    /// Whether the peer has closed (EOF or reset); reads and discards whatever it sent.
    static func isClosedByPeer(_ socket: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 { return true }
            if count < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        }
    }

    /// Everything the peer sends until it closes, or until `deadline`.
    static func readUntilClosed(_ socket: Int32, deadline: ContinuousClock.Instant) throws -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
            if String(decoding: received, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        return String(decoding: received, as: UTF8.self)
    }
}
