import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where the server's admin API is, and the token that opens it: the options of every command that uses
/// it (`admin`, `history`, `audit`, and `conflicts --server-wide`). Each command adds its own `--json`.
struct AdminOptions: ParsableArguments {
    @Option(help: "The server's base URL.")
    var server = ProcessInfo.processInfo.environment["FIELDSYNC_SERVER"] ?? "http://127.0.0.1:8740"

    @Option(help: "The administrator token (default: $FIELDSYNC_ADMIN_TOKEN). Prefer the variable: options show in `ps`.")
    var adminToken: String?

    func validate() throws {
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https" else {
            throw ValidationError("--server takes a URL such as http://127.0.0.1:8740 (got '\(server)')")
        }
    }

    /// The client, once the token is known (the variable is read only by the commands that need it).
    func client() throws -> AdminClient {
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https" else {
            throw CLIFailure(CLIFailure.usage, "--server takes a URL such as http://127.0.0.1:8740")
        }
        guard let token = adminToken ?? ProcessInfo.processInfo.environment["FIELDSYNC_ADMIN_TOKEN"], !token.isEmpty else {
            throw CLIFailure(CLIFailure.usage, "the admin API needs the administrator token: set FIELDSYNC_ADMIN_TOKEN or pass --admin-token")
        }
        return AdminClient(baseURL: url, token: token)
    }
}

/// The server's admin API over HTTP, for `fieldsync admin|history|audit|conflicts --server`.
struct AdminClient: Sendable {
    let baseURL: URL
    let token: String

    func get<Response: Decodable>(_ path: String, query: [URLQueryItem] = [], as type: Response.Type) async throws -> Response {
        try await send("GET", path, query: query, body: Optional<Data>.none, as: type)
    }

    func post<Response: Decodable>(_ path: String, _ body: some Encodable, as type: Response.Type) async throws -> Response {
        try await send("POST", path, body: try JSONEncoder().encode(body), as: type)
    }

    func put<Response: Decodable>(_ path: String, _ body: some Encodable, as type: Response.Type) async throws -> Response {
        try await send("PUT", path, body: try JSONEncoder().encode(body), as: type)
    }

    /// A request whose success has no body (204), e.g. a purge.
    func delete(_ path: String, query: [URLQueryItem]) async throws {
        _ = try await send("DELETE", path, query: query, body: nil, as: NoContent.self)
    }

    struct NoContent: Decodable {}

    private func send<Response: Decodable>(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Data?,
                                           as type: Response.Type) async throws -> Response {
        var components = URLComponents(url: baseURL.appendingPathComponent("v1/admin" + path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query }
        var request = URLRequest(url: components.url!, timeoutInterval: 30)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        // Admin answers are small; plain bodies keep this client free of a gzip dependency.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw ClientError(.unreachable, "\(baseURL.absoluteString) did not answer: \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let problem = try? WireCoding.decodeBody(ProtocolError.self, from: data)
            throw ClientError(.server, problem?.message ?? "HTTP \(status)",
                              protocolError: problem ?? ProtocolError(.internalError, "HTTP \(status)"), httpStatus: status)
        }
        if data.isEmpty, let none = NoContent() as? Response { return none }
        do {
            return try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw ClientError(.malformedResponse, "the server's answer to \(path) could not be read: \(error)")
        }
    }
}
