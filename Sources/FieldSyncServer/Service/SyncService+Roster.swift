import FieldSyncCore

/// Rosters (SPEC §10.11): the officers whose writes a unit's devices may carry, set by administrators.
extension SyncService {
    /// Replaces the roster of `unit`; an empty list removes it (the unit then follows the rosters of the
    /// units it lies in, or takes any officer when none has one). Audited with the officers and the reason.
    public func setRoster(of unit: UnitID, officers: [OfficerID], reason: String) async throws -> [RosterEntry] {
        guard unit.isWellFormed else { throw ServerError(.malformedRequest, "'\(unit)' is not a unit code") }
        guard officers.count <= 10_000 else { throw ServerError(.payloadTooLarge, "a roster holds at most 10000 officers") }
        if let bad = officers.first(where: { !$0.isWellFormed }) {
            throw ServerError(.malformedRequest, "'\(FreeText.escaped(bad.rawValue))' is not a badge number")
        }
        try Self.refuseControlCharacters(reason, in: "reason")
        let now = self.now
        let names = Set(officers.map(\.rawValue)).sorted()
        let audit = AuditDraft(kind: .roster, at: now, actor: "admin", subject: unit.rawValue,
                               detail: "\(names.count) officers: \(names.joined(separator: " "))" + (reason.isEmpty ? "" : "; " + reason))
        try await guarded { try await storage.replaceRoster(of: unit, officers: officers, now: now, audit: audit) }
        return try await roster(of: unit)
    }

    /// The roster of `unit` alone.
    public func roster(of unit: UnitID) async throws -> [RosterEntry] {
        try await guarded { try await storage.roster(of: [unit]) }
    }

    /// What a device may carry: the officers on the rosters of its station and the units it lies in.
    public func roster(for device: Device) async throws -> RosterResponse {
        let entries = try await guarded { try await storage.roster(of: RosterEntry.coveringUnits(of: device.station)) }
        return RosterResponse(officers: entries.isEmpty ? nil : Set(entries.map(\.officer)).sorted(), serverTime: now)
    }
}
