import FieldSyncCore

/// How a terminal reaches the server. `HTTPTransport` is the real one; the deterministic simulator
/// supplies one that drops, duplicates and delays messages.
public protocol SyncTransport: Sendable {
    func enroll(_ request: EnrollRequest) async throws(ClientError) -> EnrollResponse
    func sync(_ request: SyncRequest, credential: String) async throws(ClientError) -> SyncResponse
    func lease(_ request: LeaseRequest, credential: String) async throws(ClientError) -> LeaseResponse
}
