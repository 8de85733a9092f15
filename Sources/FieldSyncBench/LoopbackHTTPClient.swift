import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 client over one keep-alive TCP connection, for the benchmark: URLSession
/// (libcurl) on Linux spends more CPU uploading a large body than the server spends handling it, and it
/// runs in the same process, so it would measure itself. Headers and body go out in one write.
final class LoopbackHTTPClient {
    private let descriptor: Int32
    private var buffer = [UInt8]()

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw BenchmarkError("socket() failed") }
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchmarkError("connect() failed") }
    }

    deinit { close(descriptor) }

    /// POSTs `body` and returns the status and the response body.
    /// - Parameter headers: more header lines, e.g. `Content-Encoding: gzip`.
    func post(_ path: String, body: Data, bearer: String, headers: [String] = []) throws -> (status: Int, body: Data, headers: [String: String]) {
        let extra = headers.map { $0 + "\r\n" }.joined()
        var request = Data("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer \(bearer)\r\n\(extra)Content-Length: \(body.count)\r\n\r\n".utf8)
        request.append(body)
        try request.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let count = send(descriptor, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                guard count > 0 else { throw BenchmarkError("send() failed") }
                sent += count
            }
        }
        let head = try readUntilHeadersEnd()
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ")[1]) else {
            throw BenchmarkError("no status line")
        }
        var length = 0
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, parts[0].lowercased() == "content-length" {
                length = Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
            }
            if parts.count == 2, parts[0].lowercased() == "transfer-encoding" {
                throw BenchmarkError("chunked responses are not supported by the benchmark client")
            }
        }
        try fill(length)
        let responseBody = Data(buffer.prefix(length))
        buffer.removeFirst(length)
        return (status, responseBody, fields)
    }

    private func readUntilHeadersEnd() throws -> [UInt8] {
        let marker: [UInt8] = [13, 10, 13, 10]
        var searchFrom = 0
        while true {
            if buffer.count >= 4 {
                for index in searchFrom...(buffer.count - 4) where buffer[index] == 13 && Array(buffer[index..<index + 4]) == marker {
                    let head = Array(buffer[..<index])
                    buffer.removeFirst(index + 4)
                    return head
                }
                searchFrom = buffer.count - 3
            }
            try receive()
        }
    }

    private func fill(_ count: Int) throws {
        while buffer.count < count { try receive() }
    }

    private func receive() throws {
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        let count = recv(descriptor, &chunk, chunk.count, 0)
        guard count > 0 else { throw BenchmarkError("connection closed") }
        buffer.append(contentsOf: chunk[..<count])
    }
}

/// Runs blocking work on its own thread, off Swift's cooperative pool (which the server shares).
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
