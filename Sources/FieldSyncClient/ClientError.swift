import FieldSyncCore

/// The client module's one error type: what went wrong talking to the server, and what to do next.
public struct ClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure; the raw value is what messages and the status file show.
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

    /// What kind of failure: the code to switch on.
    public var code: Code
    /// A sentence for a person: what went wrong and, where it helps, what to do.
    public var message: String
    /// The server's error body, for `.server` (and `.revoked`); a non-2xx answer without a readable
    /// body reads as `internalError`.
    public var protocolError: ProtocolError?
    /// The HTTP status of the answer, when there was one.
    public var httpStatus: Int?

    /// An error as given.
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

    /// `code: message`, then ` (HTTP status)` when there was an answer.
    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        return text
    }
}
