import FieldSyncCore
import Foundation
import HTTPTypes
import Hummingbird

/// The HTTP edge of protocol v1 over a `SyncService`. Handlers only decode, authenticate, call the
/// service and encode: every decision lives in the service.
public func buildRouter(_ service: SyncService, maxBodyBytes: Int = 16 * 1024 * 1024) -> Router<FieldSyncRequestContext> {
    let router = Router(context: FieldSyncRequestContext.self)
    let wire = WireBody(maxBodyBytes: maxBodyBytes)
    router.add(middleware: RequestMetricsMiddleware(metrics: service.metrics))

    @Sendable func device(_ request: Request, _ context: FieldSyncRequestContext) async throws -> Device {
        try await service.authenticate(credential: bearer(request), from: context.sourceAddress)
    }

    router.get("/health") { request, _ in
        _ = try await service.guarded { try await service.storage.headSequence() }
        return try wire.respond(["status": "ok"], to: request)
    }
    router.get("/metrics") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: .init(byteBuffer: ByteBuffer(string: service.metrics.exposition())))
    }
    router.post("/v1/enroll") { request, context in
        try service.admitAttempt(from: context.sourceAddress)
        let message = try await wire.decode(EnrollRequest.self, from: request)
        return try wire.respond(try await service.enroll(message), to: request)
    }
    router.post("/v1/push") { request, context in
        let device = try await device(request, context)
        let message = try await wire.decode(PushRequest.self, from: request)
        return try wire.respond(try await service.push(message, from: device), to: request)
    }
    router.post("/v1/pull") { request, context in
        let device = try await device(request, context)
        let message = try await wire.decode(PullRequest.self, from: request)
        let page = try await service.pullStored(message, for: device)
        return wire.respond(json: WireBody.pullPageJSON(page, serverTime: service.now), to: request)
    }
    router.post("/v1/sync") { request, context in
        let device = try await device(request, context)
        let message = try await wire.decode(SyncRequest.self, from: request)
        // Same shape as `SyncResponse`, with the pull page spliced from stored JSON.
        var json = Data("{\"protocolVersion\":\(WireCoding.protocolVersion)".utf8)
        if let push = message.push {
            json.append(contentsOf: Array(",\"push\":".utf8))
            json.append(try JSONEncoder().encode(try await service.push(push, from: device)))
        }
        if let pull = message.pull {
            json.append(contentsOf: Array(",\"pull\":".utf8))
            json.append(WireBody.pullPageJSON(try await service.pullStored(pull, for: device), serverTime: service.now))
        }
        json.append(contentsOf: Array(",\"serverTime\":\(service.now)}".utf8))
        return wire.respond(json: json, to: request)
    }
    router.post("/v1/lease") { request, context in
        let device = try await device(request, context)
        _ = try await wire.decode(LeaseRequest.self, from: request)
        return try wire.respond(try await service.lease(for: device), to: request)
    }
    router.post("/v1/roster") { request, context in
        let device = try await device(request, context)
        _ = try await wire.decode(RosterRequest.self, from: request)
        return try wire.respond(try await service.roster(for: device), to: request)
    }
    addAdminRoutes(to: router.group("/v1/admin"), service: service, wire: wire)
    return router
}

/// The token of an `Authorization: Bearer <token>` header.
func bearer(_ request: Request) -> String? {
    guard let header = request.headers[.authorization] else { return nil }
    let parts = header.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
    return parts[1].trimmingCharacters(in: .whitespaces)
}
