import FieldSyncCore

/// The decision for one pushed record, taken inside the storage's batch transaction against the stored
/// state: scope first (an out-of-scope device learns nothing about the record), then the core's
/// `admit` (validation and join), then the server-side unit set and conflict flag.
struct PushAdmission: Sendable {
    let registry: SchemaRegistry
    let device: Device
    let latestAllowedWall: Int64
    /// New writes stamped before this (ms) are refused: no terminal of this deployment wrote then, and a
    /// stamp of -2^62 would win or lose every last-writer contest forever.
    var earliestAllowedWall: Int64 = SyncService.Settings.defaultDeploymentEpoch
    /// Decisions for records that were not stored when the batch arrived, taken before the write
    /// transaction (in parallel with other requests). Used only when the record is still absent inside
    /// the transaction, where the decision would be the same: it depends on nothing else stored.
    var presumedNew: [RecordID: Admission] = [:]

    /// Evaluates every record of `records` whose id occurs once, as if it were new.
    func presumingNew(_ records: [RecordState]) -> PushAdmission {
        var seen: [RecordID: Int] = [:]
        for record in records { seen[record.id, default: 0] += 1 }
        var copy = self
        for record in records where seen[record.id] == 1 { copy.presumedNew[record.id] = evaluate(record, nil) }
        return copy
    }

    /// The decision for `incoming` against the stored record `current`. Pure: the storage may call it again
    /// when it runs the batch's transaction again, and the plan counts only the outcomes it keeps.
    func decide(_ incoming: RecordState, _ current: ServerRecord?) -> Admission {
        current == nil ? presumedNew[incoming.id] ?? evaluate(incoming, nil) : evaluate(incoming, current)
    }

    func evaluate(_ incoming: RecordState, _ current: ServerRecord?) -> Admission {
        let visibleCurrent = current.flatMap { device.maySee(units: $0.units) ? $0.state : nil }
        if current != nil, visibleCurrent == nil {
            return reject(Rejection(.outOfScope, message: "record \(incoming.id) is outside this device's units"), current: nil)
        }
        let schema: RecordSchema
        switch registry.schema(for: incoming) {
        case .success(let found): schema = found
        case .failure(let rejection): return reject(rejection, current: visibleCurrent)
        }
        switch schema.admit(incoming, onto: current?.state, writer: device.replica, latestAllowedWall: latestAllowedWall) {
        case .failure(let rejection):
            return reject(rejection, current: visibleCurrent)
        case .success(let state):
            if let current, state == current.state { return .unchanged }
            let units = (current?.units ?? []).union(schema.scopeUnits(of: state))
            if current == nil && !device.maySee(units: units) {
                return reject(Rejection(.outOfScope, fields: schema.fields.filter(\.scope).map(\.name),
                                        message: "the record's units are outside this device's units"), current: nil)
            }
            // The unit a record can never leave (an immutable scope field: where a case was received, a
            // patrol's unit, a visit's beat) is the pusher's own. A jurisdiction may differ: a transfer.
            if current == nil {
                let foreign = schema.fields.filter { $0.scope && $0.policy == .immutable }.filter { field in
                    state.entries(field.name).contains { entry in
                        guard let code = entry.value.stringValue else { return false }
                        return !device.maySee(units: [UnitID(code)])
                    }
                }
                if !foreign.isEmpty {
                    return reject(Rejection(.outOfScope, fields: foreign.map(\.name),
                                            message: "a new record's \(foreign.map(\.name).joined(separator: ", ")) must be a unit of this device"),
                                  current: nil)
                }
            }
            let delta = Self.delta(of: state, since: current?.state)
            if let current, let refused = Self.beyondOwnership(delta, of: current.state, schema: schema, device: device) {
                return reject(Rejection(.outOfScope, fields: refused,
                                        message: "record \(incoming.id) belongs to another unit's jurisdiction now: this device may add addenda only"),
                              current: visibleCurrent)
            }
            let early = delta.fields.filter { _, entries in entries.contains { $0.stamp.wall < earliestAllowedWall } }.map(\.key).sorted()
            if !early.isEmpty {
                return reject(Rejection(.clockSkew, fields: early,
                                        message: "writes stamped before the deployment epoch (\(earliestAllowedWall) ms) are refused"),
                              current: visibleCurrent)
            }
            let needsPerson = schema.conflicts(in: state)?.needsPerson ?? false
            return .store(state, delta: delta, units: units, needsPerson: needsPerson, isIncoming: current == nil)
        }
    }

    private func reject(_ rejection: Rejection, current: RecordState?) -> Admission {
        .reject(rejection, current: current)
    }

    /// The jurisdiction owns a case (SPEC §10.6): a device that sees a stored record only through units it
    /// held before (the receiving station after a transfer, a former jurisdiction) may add addenda and
    /// nothing else. Returns the other fields `delta` writes, or nil when the device may write them all
    /// (it is within the record's current jurisdiction, or the type has no jurisdiction field).
    static func beyondOwnership(_ delta: RecordState, of stored: RecordState, schema: RecordSchema, device: Device) -> [String]? {
        let owners = schema.fields.filter { $0.scope && $0.changeLoggedIn != nil }
        guard !owners.isEmpty else { return nil }
        let jurisdiction = owners.flatMap { field in stored.entries(field.name).compactMap { $0.value.stringValue.map(UnitID.init) } }
        guard !device.maySee(units: jurisdiction) else { return nil }
        let addenda = Set(schema.fields.filter(\.addendum).map(\.name))
        let refused = delta.fields.map(\.key).filter { !addenda.contains($0) }.sorted()
        return refused.isEmpty ? nil : refused
    }

    /// The writes of `state` that `previous` had not integrated: what this change brought.
    static func delta(of state: RecordState, since previous: RecordState?) -> RecordState {
        guard let previous else { return state }
        var delta = state
        for (name, entries) in state.fields {
            let new = entries.filter { !previous.context.contains($0.dot) }
            delta.fields[name] = new.isEmpty ? nil : new
        }
        return delta
    }
}
