import FieldSyncCore

/// How a terminal reaches the server. `HTTPTransport` is the real one; the deterministic simulator
/// supplies one that drops, duplicates and delays messages.
public protocol SyncTransport: Sendable {
    /// Exchanges an enrollment token for the terminal's identity (`POST /v1/enroll`, no credential).
    /// - Throws: `ClientError`: `.unreachable` when no answer came, `.server` for an error answer.
    func enroll(_ request: EnrollRequest) async throws(ClientError) -> EnrollResponse
    /// One push-then-pull round trip (`POST /v1/sync`). An error answer, `revoked` included, is thrown
    /// as `.server` with the server's `ProtocolError` and HTTP status untouched: the engine decides.
    /// - Throws: `ClientError`: `.unreachable` when no answer came (the push may still have been applied:
    ///   resend the same batch), `.server`, `.malformedResponse`.
    func sync(_ request: SyncRequest, credential: String) async throws(ClientError) -> SyncResponse
    /// Asks for the next receipt-number block (`POST /v1/lease`).
    /// - Throws: `ClientError`, as `sync(_:credential:)`.
    func lease(_ request: LeaseRequest, credential: String) async throws(ClientError) -> LeaseResponse
}
