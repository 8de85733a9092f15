import FieldSyncCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Protocol v1 over HTTP with URLSession (libcurl on Linux): gzip'd JSON bodies, a timeout, and
/// typed errors from the server's error bodies.
public final class HTTPTransport: SyncTransport {
    /// The server's base URL; the `v1/...` paths are appended to it.
    public let baseURL: URL
    private let session: URLSession
    private let compressAbove: Int
    private let pinned: PinnedCurlExchange?

    /// A transport to `baseURL`. Opens no connection until the first request.
    ///
    /// - Parameters:
    ///   - baseURL: the server's base URL (ClientConfig `serverURL`), http or https.
    ///   - timeout: seconds for one request, including a large pull page.
    ///   - compressAbove: request bodies larger than this many bytes are sent gzip'd.
    ///   - pinnedCA: a PEM file of the one CA to trust for `https` (ClientConfig `caFile`); the
    ///     system's bundle is then not trusted at all. nil: the system's bundle (URLSession).
    public init(baseURL: URL, timeout: TimeInterval = 30, compressAbove: Int = 1_024, pinnedCA: String? = nil) {
        self.baseURL = baseURL
        pinned = pinnedCA.map { PinnedCurlExchange(caFile: $0, timeout: timeout) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 4
        configuration.httpAdditionalHeaders = ["Accept-Encoding": "gzip"]
        session = URLSession(configuration: configuration, delegate: RefuseRedirects(), delegateQueue: nil)
        self.compressAbove = compressAbove
    }

    deinit { session.invalidateAndCancel() }

    /// `POST /v1/enroll`, without a credential.
    /// - Throws: `ClientError` `.unreachable` when no answer came (the server may still have acted on
    ///   the request), `.configuration` for a redirect (never followed), `.server` for an error answer
    ///   (`protocolError` and `httpStatus` set), `.malformedResponse` for an answer that does not read.
    public func enroll(_ request: EnrollRequest) async throws(ClientError) -> EnrollResponse {
        try await post("v1/enroll", request, credential: nil)
    }

    /// `POST /v1/sync` with `Authorization: Bearer <credential>`. A `revoked` answer is thrown as
    /// `.server` as it came: only the engine, which holds the credential, checks its proof and wipes.
    /// - Throws: `ClientError` `.unreachable` when no answer came (the server may still have acted on
    ///   the request), `.configuration` for a redirect (never followed), `.server` for an error answer
    ///   (`protocolError` and `httpStatus` set), `.malformedResponse` for an answer that does not read.
    public func sync(_ request: SyncRequest, credential: String) async throws(ClientError) -> SyncResponse {
        try await post("v1/sync", request, credential: credential)
    }

    /// `POST /v1/lease` with `Authorization: Bearer <credential>`.
    /// - Throws: `ClientError` `.unreachable` when no answer came (the server may still have acted on
    ///   the request), `.configuration` for a redirect (never followed), `.server` for an error answer
    ///   (`protocolError` and `httpStatus` set), `.malformedResponse` for an answer that does not read.
    public func lease(_ request: LeaseRequest, credential: String) async throws(ClientError) -> LeaseResponse {
        try await post("v1/lease", request, credential: credential)
    }

    private func post<Request: Encodable, Response: ProtocolMessage>(
        _ path: String, _ body: Request, credential: String?
    ) async throws(ClientError) -> Response {
        var request = URLRequest(url: baseURL.appendingPathComponent(path))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let credential { request.setValue("Bearer \(credential)", forHTTPHeaderField: "Authorization") }
        let json: Data
        do { json = try WireCoding.encode(body) } catch {
            throw ClientError(.malformedResponse, "could not encode the request: \(error)")
        }
        if json.count > compressAbove, let compressed = Gzip.compress(json) {
            request.httpBody = compressed
            request.setValue("gzip", forHTTPHeaderField: "Content-Encoding")
        } else {
            request.httpBody = json
        }
        let data: Data, status: Int, location: String?
        do {
            if let pinned {
                let answer = try await pinned.post(request.url!, headers: request.allHTTPHeaderFields ?? [:], body: request.httpBody ?? Data())
                (data, status, location) = (answer.body, answer.status, answer.location)
            } else {
                let (body, response) = try await session.data(for: request)
                (data, status) = (body, (response as? HTTPURLResponse)?.statusCode ?? 0)
                location = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Location")
            }
        } catch {
            throw ClientError(.unreachable, "\(baseURL.absoluteString) did not answer: \(error.localizedDescription)")
        }
        if (300..<400).contains(status) {
            let location = location ?? "(no Location)"
            throw ClientError(.configuration, "\(baseURL.absoluteString) answered \(path) with a redirect (HTTP \(status)) to "
                              + "\(location). FieldSync never follows redirects: the device credential would go to another "
                              + "address, perhaps in clear. Set the final server URL in the terminal's configuration.",
                              httpStatus: status)
        }
        // libcurl inflates when it advertised gzip itself; inflate here if it did not.
        let body = Gzip.isGzip(data) ? (Gzip.decompress(data) ?? data) : data
        return try Self.interpret(status: status, body: body, path: path)
    }

    /// What a terminal makes of an HTTP answer: the message, or a typed error from the error body.
    /// Public so that the simulator's transport reads answers exactly as this one does.
    public static func interpret<Response: ProtocolMessage>(status: Int, body: Data, path: String) throws(ClientError) -> Response {
        guard (200..<300).contains(status) else {
            // A `revoked` answer is passed on as it is: only the sync engine, which holds the credential
            // its proof is checked against, may decide to wipe (SPEC §10.10).
            let problem = try? WireCoding.decodeBody(ProtocolError.self, from: body)
            throw ClientError(.server, problem?.message ?? "HTTP \(status) without an error body",
                              protocolError: problem ?? ProtocolError(.internalError, "HTTP \(status)"), httpStatus: status)
        }
        do {
            return try WireCoding.decode(Response.self, from: body)
        } catch {
            throw ClientError(.malformedResponse, "the server's answer to \(path) could not be read: \(error.message)",
                              httpStatus: status)
        }
    }
}

/// Refuses every HTTP redirect, so that the bearer credential only ever goes to the configured origin:
/// URLSession would otherwise resend the request, `Authorization` included, to wherever `Location`
/// points (another host, or `http://` after `https://`). The 3xx answer itself reaches `post`.
private final class RefuseRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
