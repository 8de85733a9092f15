import FieldSyncCore
import Foundation
import Hummingbird

/// The HTTP edge of protocol v1 over a `SyncService`. Middleware measures every request, gives every
/// failure its typed body and authenticates each group of routes; handlers only decode, call the
/// service and encode: every decision lives in the service.
public func buildRouter(_ service: SyncService, maxBodyBytes: Int = 16 * 1024 * 1024) -> Router<FieldSyncRequestContext> {
    let router = Router(context: FieldSyncRequestContext.self)
    let wire = WireBody(maxBodyBytes: maxBodyBytes)
    router.add(middleware: RequestMetricsMiddleware(metrics: service.metrics))
    router.add(middleware: ProtocolErrorMiddleware())

    router.get("/health") { request, _ in
        _ = try await service.guarded { try await service.storage.headSequence() }
        return try wire.respond(["status": "ok"], to: request)
    }
    router.get("/metrics") { _, _ in
        await service.refreshOverdueMetric()
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: .init(byteBuffer: ByteBuffer(string: service.metrics.exposition())))
    }
    router.post("/v1/enroll") { request, context in
        try service.admitAttempt(from: context.sourceAddress)
        let message = try await wire.decode(EnrollRequest.self, from: request)
        return try wire.respond(try await service.enroll(message), to: request)
    }
    addDeviceRoutes(to: router.group("/v1").add(middleware: DeviceAuthenticator(service: service)), service: service, wire: wire)
    addAdminRoutes(to: router.group("/v1/admin").add(middleware: AdministratorAuthenticator(service: service)),
                   service: service, wire: wire)
    return router
}

/// `/v1/push`, `/v1/pull`, `/v1/sync`, `/v1/lease`, `/v1/roster`: behind `DeviceAuthenticator`.
func addDeviceRoutes(to group: RouterGroup<FieldSyncRequestContext>, service: SyncService, wire: WireBody) {
    // Push, pull and sync read their body as it came (gzip'd, as terminals send it), then wait in line
    // for one of the service's places (`WorkGate`) to decompress, decode and work on it: a body is read
    // within `limits.requestReadTimeoutSeconds` of its head whatever the line, and what the work holds
    // (the decompressed body, the decoded batch, the page) is bounded by the line.
    let gate = service.deviceRequests
    group.post("/push") { request, context in
        let device = try context.requireDevice()
        let body = try await wire.received(request)
        return try await gate.run {
            let message = try wire.decode(PushRequest.self, from: try wire.decompressed(body, of: request))
            return try wire.respond(try await service.push(message, from: device), to: request)
        }
    }
    group.post("/pull") { request, context in
        let device = try context.requireDevice()
        let body = try await wire.received(request)
        return try await gate.run {
            let message = try wire.decode(PullRequest.self, from: try wire.decompressed(body, of: request))
            let page = try await service.pullEncoded(message, for: device, gzip: WireBody.acceptsGzip(request))
            return try wire.respond(page, serverTime: service.now, to: request)
        }
    }
    group.post("/sync") { request, context in
        let device = try context.requireDevice()
        let body = try await wire.received(request)
        return try await gate.run {
            let message = try wire.decode(SyncRequest.self, from: try wire.decompressed(body, of: request))
            return try wire.respond(try await service.syncStored(message, from: device, gzip: WireBody.acceptsGzip(request)), to: request)
        }
    }
    group.post("/lease") { request, context in
        let device = try context.requireDevice()
        _ = try await wire.decode(LeaseRequest.self, from: request)
        return try wire.respond(try await service.lease(for: device), to: request)
    }
    group.post("/roster") { request, context in
        let device = try context.requireDevice()
        _ = try await wire.decode(RosterRequest.self, from: request)
        return try wire.respond(try await service.roster(for: device), to: request)
    }
}
