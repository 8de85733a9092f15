/// What the simulated network may do to one request.
public enum NetworkFault: String, CaseIterable, Sendable {
    /// Lost on the way: the server never sees it.
    case dropRequest
    /// The server applies it, the answer is lost: the terminal never hears.
    case dropResponse
    /// Delivered twice (a retrying proxy); the terminal reads one of the answers.
    case duplicate
    /// Held in the network and delivered later, after newer requests (the terminal timed out).
    case delay
    /// The answer is cut off part way (a connection reset mid-body).
    case truncateResponse
    /// A proxy answers in the server's stead with an HTML error page.
    case proxyError
    /// The server process dies after committing, before it answers; it restarts on the same file.
    case crashAfterCommit
}
