import FieldSyncCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small HTTP client over URLSession (libcurl on Linux) for talking to a live server in tests.
public struct HTTPTestClient: Sendable {
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data

        public func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(type, from: body) }
        /// The `ProtocolError` body of a failed request.
        public var protocolError: ProtocolError? { try? JSONDecoder().decode(ProtocolError.self, from: body) }
    }

    public let baseURL: String
    private let session: URLSession

    public init(baseURL: String) {
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        session = URLSession(configuration: configuration)
    }

    public func send(_ method: String, _ path: String, body: Data? = nil, bearer: String? = nil,
                     headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let bearer { request.setValue("Bearer " + bearer, forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        return Reply(status: http.statusCode, headers: fields, body: data)
    }

    public func post(_ path: String, _ message: some Encodable, bearer: String? = nil) async throws -> Reply {
        try await send("POST", path, body: try JSONEncoder().encode(message), bearer: bearer)
    }
}
