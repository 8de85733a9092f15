import FieldSyncCore

/// The client module's one error type: what went wrong talking to the server, and what to do next.
public struct ClientError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// No connection, a timeout, or a reset: retry later with backoff. Nothing was lost.
        case unreachable
        /// The server answered with a protocol error (see `protocolError`).
        case server
        /// The device was revoked: the store has been wiped.
        case revoked
        /// The server's answer could not be read.
        case malformedResponse
        /// The terminal is not enrolled yet.
        case notEnrolled
        /// The terminal's configuration file is missing or invalid.
        case configuration
    }

    public var code: Code
    public var message: String
    public var protocolError: ProtocolError?
    public var httpStatus: Int?

    public init(_ code: Code, _ message: String, protocolError: ProtocolError? = nil, httpStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.protocolError = protocolError
        self.httpStatus = httpStatus
    }

    /// Seconds the server asked us to wait, if it did.
    public var retryAfterSeconds: Int? { protocolError?.retryAfterSeconds }

    /// Whether trying again later may succeed (as opposed to needing a person).
    public var isTransient: Bool {
        switch code {
        case .unreachable: true
        case .server:
            [.rateLimited, .unavailable, .internalError].contains(protocolError?.code)
        case .revoked, .malformedResponse, .notEnrolled, .configuration: false
        }
    }

    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        return text
    }
}
