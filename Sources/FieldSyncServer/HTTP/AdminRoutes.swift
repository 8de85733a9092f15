import FieldSyncCore
import Foundation
import Hummingbird

/// `/v1/admin/...`: behind `AdministratorAuthenticator` (the administrator token from ServerConfig).
func addAdminRoutes(to group: RouterGroup<FieldSyncRequestContext>, service: SyncService, wire: WireBody) {
    struct TokenRequest: Decodable {
        var station: UnitID
        var lifetimeSeconds: Int64?
    }
    struct RevokeRequest: Decodable {
        var reason: String?
    }
    struct RosterRequest: Decodable {
        var officers: [OfficerID]
        var reason: String?
    }

    @Sendable func body<T: Decodable & SendableMetatype>(_ type: T.Type, _ request: Request) async throws -> T {
        let data = try await wire.bytes(of: request)
        do { return try WireCoding.decodeBody(type, from: data) } catch { throw ServerError(error) }
    }
    @Sendable func recordID(_ context: FieldSyncRequestContext) throws -> RecordID {
        RecordID(try context.parameters.require("id"))
    }
    /// Reads and purges say why: the reason goes into the audit chain.
    @Sendable func reason(_ request: Request) throws -> String {
        guard let reason = request.uri.queryParameters["reason"].map(String.init), !reason.isEmpty else {
            throw ServerError(.malformedRequest, "state the reason for this access: ?reason=...")
        }
        return reason
    }

    group.post("/enrollment-tokens") { request, context in
        let message = try await body(TokenRequest.self, request)
        if let seconds = message.lifetimeSeconds, !(60...(366 * 24 * 3_600)).contains(seconds) {
            throw ServerError(.malformedRequest, "lifetimeSeconds must be between 60 and one year")
        }
        let issued = try await service.createEnrollmentToken(station: message.station,
                                                             lifetime: message.lifetimeSeconds.map { $0 * 1_000 })
        return try wire.respond(issued, to: request, status: .created)
    }
    group.get("/devices") { request, _ in
        return try wire.respond(try await service.devices(), to: request)
    }
    group.post("/devices/:replica/revoke") { request, context in
        let message = try await body(RevokeRequest.self, request)
        let replica = ReplicaID(try context.parameters.require("replica"))
        return try wire.respond(try await service.revoke(replica, reason: message.reason ?? ""), to: request)
    }
    group.put("/roster/:unit") { request, context in
        let message = try await body(RosterRequest.self, request)
        let unit = UnitID(try context.parameters.require("unit"))
        return try wire.respond(try await service.setRoster(of: unit, officers: message.officers, reason: message.reason ?? ""), to: request)
    }
    group.get("/roster/:unit") { request, context in
        return try wire.respond(try await service.roster(of: UnitID(try context.parameters.require("unit"))), to: request)
    }
    group.get("/leases") { request, context in
        return try wire.respond(try await service.leases(), to: request)
    }
    group.get("/records/:id") { request, context in
        return try wire.respond(try await service.readRecord(try recordID(context), reason: try reason(request)), to: request)
    }
    group.delete("/records/:id") { request, context in
        try await service.purge(try recordID(context), reason: try reason(request))
        return Response(status: .noContent)
    }
    group.get("/records/:id/history") { request, context in
        return try wire.respond(try await service.history(of: try recordID(context), reason: try reason(request)), to: request)
    }
    group.post("/records/:id/resolve") { request, context in
        let resolution = try await body(ConflictResolution.self, request)
        return try wire.respond(try await service.resolve(try recordID(context), resolution), to: request)
    }
    group.get("/conflicts") { request, context in
        return try wire.respond(try await service.conflicts(), to: request)
    }
    group.get("/conflicts/:id") { request, context in
        guard let conflict = try await service.conflict(try recordID(context)) else {
            throw ServerError(.notFound, "the record has no concurrent values")
        }
        return try wire.respond(conflict, to: request)
    }
    // ?unit=KH.P03 (required) &withinSeconds=1800 (also the running deadlines due within that time).
    group.get("/cases/overdue") { request, context in
        guard let unit = request.uri.queryParameters["unit"].map(String.init), !unit.isEmpty else {
            throw ServerError(.malformedRequest, "name the unit: ?unit=KH.P03")
        }
        var window: Int64?
        if let text = request.uri.queryParameters["withinSeconds"] {
            guard let seconds = Int64(text), seconds >= 0, seconds <= 31 * 24 * 3_600 else {
                throw ServerError(.malformedRequest, "withinSeconds must be a whole number of seconds between 0 and 31 days")
            }
            window = seconds * 1_000
        }
        return try wire.respond(try await service.overdueCases(unit: UnitID(unit), within: window), to: request)
    }
    group.get("/quarantine") { request, context in
        return try wire.respond(try await service.quarantine(), to: request)
    }
    group.get("/audit/verify") { request, context in
        return try wire.respond(try await service.verifyAudit(), to: request)
    }
    // With a checkpoint kept outside the database: a chain cut below it or rewritten under it is found.
    group.post("/audit/verify") { request, context in
        let message = try await body(AuditCheckpointExport.self, request)
        return try wire.respond(try await service.verifyAudit(knownCheckpoint: message.checkpoint), to: request)
    }
    group.get("/audit/checkpoint") { request, context in
        return try wire.respond(try await service.latestAuditCheckpoint(), to: request)
    }
}
