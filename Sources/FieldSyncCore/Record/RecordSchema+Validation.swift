extension RecordSchema {
    /// Most values one field may hold: bounds the size of a record whatever a peer sends.
    public static let maxEntriesPerField = 1_000

    /// Admits a pushed state onto the stored one: checks its shape, joins, and validates the result.
    /// Returns the joined state to store, or the rejection that leaves the stored state untouched.
    ///
    /// - Parameters:
    ///   - incoming: the pushed state.
    ///   - current: the stored state, or nil when the record is new here.
    ///   - writer: the replica that pushed; new writes must be its own (`foreignDot` otherwise).
    ///   - latestAllowedWall: new writes stamped later than this are refused (`clockSkew`).
    public func admit(_ incoming: RecordState, onto current: RecordState?, writer: ReplicaID?,
                      latestAllowedWall: Int64? = nil) -> Result<RecordState, Rejection> {
        if let problem = wellFormednessProblem(of: incoming) { return .failure(problem) }
        guard let current else {
            if let rejection = validate(incoming, previous: nil, writer: writer, latestAllowedWall: latestAllowedWall,
                                        singleStep: false, knownWellFormed: true) {
                return .failure(rejection)
            }
            return .success(incoming)
        }
        guard current.type == incoming.type, current.id == incoming.id else {
            return .failure(Rejection(.malformedState, message: "record \(incoming.id) is stored as \(current.type)"))
        }
        if let rejection = disagreement(between: current, and: incoming) { return .failure(rejection) }
        let joined = current.joined(with: incoming)
        if joined == current { return .success(current) }
        if let rejection = validate(joined, previous: current, writer: writer, latestAllowedWall: latestAllowedWall,
                                    singleStep: false, knownWellFormed: true) {
            return .failure(rejection)
        }
        return .success(joined)
    }

    /// Checks the invariants every state must hold before it is joined with anything.
    public func wellFormednessProblem(of state: RecordState) -> Rejection? {
        func malformed(_ message: String, _ fields: [String] = []) -> Rejection {
            Rejection(.malformedState, fields: fields, message: message)
        }
        guard state.id.isWellFormed else { return malformed("record id '\(state.id)' is not well formed") }
        for entry in state.context.entries where !entry.replica.isWellFormed {
            return malformed("replica id '\(entry.replica)' in the version vector is not well formed")
        }
        for entry in state.context.entries where entry.counter > Self.maxCounter {
            return malformed("counter \(entry.counter) of \(entry.replica) exceeds 2^53-1")
        }
        // Swift compares strings by canonical equivalence; names must match a schema field byte for byte.
        // A field newer than the state's schema version is unknown to that version.
        let unknown = state.fields.keys.filter { name in
            field(name).map { !$0.name.utf8.elementsEqual(name.utf8) || $0.since > state.schemaVersion } ?? true
        }
        if !unknown.isEmpty {
            return Rejection(.unknownField, fields: unknown, message: "\(type) has no field \(unknown.sorted().map { "'\($0)'" }.joined(separator: ", "))")
        }
        var writes: [Dot: (HLCTimestamp, OfficerID)] = [:]
        // Schema order, so that the field reported first is the same on every run and every peer.
        for field in fields {
            let name = field.name
            guard let entries = state.fields[name] else { continue }
            if entries.isEmpty { return malformed("field '\(name)' is present but empty", [name]) }
            if entries.count > Self.maxEntriesPerField {
                return malformed("field '\(name)' holds more than \(Self.maxEntriesPerField) values", [name])
            }
            for (index, entry) in entries.enumerated() {
                if !entry.dot.replica.isWellFormed || entry.dot.counter == 0 {
                    return malformed("value \(entry.dot) of '\(name)' has a malformed dot", [name])
                }
                if !state.context.contains(entry.dot) {
                    return malformed("value \(entry.dot) of '\(name)' is not covered by the version vector", [name])
                }
                if index > 0 && !(entries[index - 1].dot < entry.dot) {
                    return malformed("values of '\(name)' are not sorted by dot or repeat a dot", [name])
                }
                if !entry.author.isWellFormed { return malformed("author '\(entry.author)' is not a badge number", [name]) }
                if let write = writes[entry.dot], write != (entry.stamp, entry.author) {
                    return malformed("write \(entry.dot) has different stamps or authors in different fields", [name])
                }
                writes[entry.dot] = (entry.stamp, entry.author)
            }
        }
        return nil
    }

    /// Counters stay below 2^53 so that every peer, JavaScript included, reads them exactly.
    public static let maxCounter: UInt64 = (1 << 53) - 1

    /// A dot names one write: the same dot must carry the same entry on both sides. Both lists are
    /// sorted by dot, so one merge walk per field suffices.
    public func disagreement(between current: RecordState, and incoming: RecordState) -> Rejection? {
        for field in fields {
            let mine = current.entries(field.name), theirs = incoming.entries(field.name)
            var i = 0, j = 0
            while i < mine.count && j < theirs.count {
                if mine[i].dot < theirs[j].dot { i += 1 } else if theirs[j].dot < mine[i].dot { j += 1 } else {
                    let same = mine[i].stamp == theirs[j].stamp && mine[i].author == theirs[j].author
                        && mine[i].value == theirs[j].value
                    if !same {
                        return Rejection(.malformedState, fields: [field.name],
                                         message: "write \(theirs[j].dot) of '\(field.name)' differs from the stored one")
                    }
                    i += 1; j += 1
                }
            }
        }
        return nil
    }

    /// Validates `next` as the successor of `previous` (nil: the record is new). The rules of
    /// Protocol/SPEC.md, "Validation", in its order; the first failing rule is reported.
    ///
    /// A local write moves one step (`singleStep`: the transition must be allowed as such); a pushed
    /// state may carry several offline steps at once, so the server checks that the new lifecycle state
    /// is reachable by allowed transitions.
    public func validate(_ next: RecordState, previous: RecordState?, writer: ReplicaID? = nil,
                         latestAllowedWall: Int64? = nil, singleStep: Bool = false) -> Rejection? {
        validate(next, previous: previous, writer: writer, latestAllowedWall: latestAllowedWall, singleStep: singleStep,
                 knownWellFormed: false)
    }

    /// `knownWellFormed`: `admit` has checked the incoming state, the stored one was checked when it was
    /// admitted, and the join of well-formed states is well-formed (the property tests hold it), so the
    /// check is not repeated on the hot push path.
    func validate(_ next: RecordState, previous: RecordState?, writer: ReplicaID?, latestAllowedWall: Int64?,
                  singleStep: Bool, knownWellFormed: Bool) -> Rejection? {
        guard next.type == type else { return Rejection(.unknownRecordType, message: "not a \(type)") }
        guard supportedVersions.contains(next.schemaVersion) else {
            return Rejection(.unsupportedSchemaVersion, message: "\(type) schema version \(next.schemaVersion) is not supported")
        }
        if !knownWellFormed, let problem = wellFormednessProblem(of: next) { return problem }

        // Which fields this step changes: new values (dots the previous context lacks) or dropped ones.
        var newEntries: [String: [FieldEntry]] = [:]
        var changed = Set<String>()
        for field in fields {
            let after = next.entries(field.name)
            let before = previous?.entries(field.name) ?? []
            let added = after.filter { previous?.context.contains($0.dot) != true }
            let afterDots = Set(after.map(\.dot))
            let dropped = before.filter { !afterDots.contains($0.dot) }
            if !added.isEmpty { newEntries[field.name] = added }
            if !added.isEmpty || !dropped.isEmpty { changed.insert(field.name) }
            if field.policy == .appendLog && !dropped.isEmpty {
                return Rejection(.appendOnly, fields: [field.name], message: "entries of '\(field.name)' may not be removed")
            }
        }

        if let writer {
            let foreign = newEntries.filter { $0.value.contains { $0.dot.replica != writer } }.map(\.key)
            if !foreign.isEmpty {
                return Rejection(.foreignDot, fields: foreign, message: "new writes must come from replica \(writer)")
            }
            for entry in next.context.entries where entry.replica != writer
                && entry.counter > (previous?.context[entry.replica] ?? 0) {
                return Rejection(.foreignDot, message: "the version vector claims writes of \(entry.replica) that were never stored")
            }
        }
        if let writer, let previous, !changed.isEmpty, next.context[writer] <= previous.context[writer] {
            // Dropping a stored value takes a write of one's own: a push may not erase silently.
            return Rejection(.malformedState, fields: changed.sorted(),
                             message: "the state changes stored values without a new write of \(writer)")
        }
        if let latestAllowedWall {
            let skewed = newEntries.filter { $0.value.contains { $0.stamp.wall > latestAllowedWall } }.map(\.key)
            if !skewed.isEmpty {
                return Rejection(.clockSkew, fields: skewed,
                                 message: "writes are stamped in the future beyond the server's tolerance; correct the terminal's clock")
            }
        }
        if let previous {
            let immutable = fields.filter { $0.policy == .immutable && changed.contains($0.name) }.map(\.name)
            if !immutable.isEmpty {
                return Rejection(.immutableField, fields: immutable, message: "set at creation and never changed")
            }
            for field in fields where changed.contains(field.name) {
                if let log = field.changeLoggedIn, newEntries[log] == nil {
                    return Rejection(.missingField, fields: [log], message: "changing '\(field.name)' requires a new '\(log)' entry")
                }
            }
            if isLocked(previous) {
                let blocked = fields.filter { !$0.addendum && changed.contains($0.name) }.map(\.name)
                if !blocked.isEmpty {
                    return Rejection(.locked, fields: blocked, message: "the record is locked: only addenda may be added")
                }
            }
        }
        for field in fields {
            guard let entries = newEntries[field.name] else { continue }
            let (name, kind) = (field.name, field.kind)
            for entry in entries {
                if let problem = kind.problem(with: entry.value) {
                    return Rejection(.invalidValue, fields: [name], message: "'\(name)' \(problem)")
                }
            }
        }
        if let rejection = lifecycleRejection(next, previous: previous, singleStep: singleStep) { return rejection }
        let missing = fields.filter { field in
            let needed = field.required || { if case .lifecycle = field.policy { true } else { false } }()
            return needed && next.entries(field.name).isEmpty
        }.map(\.name)
        if !missing.isEmpty { return Rejection(.missingField, fields: missing, message: "required and missing") }
        return nil
    }

    private func lifecycleRejection(_ next: RecordState, previous: RecordState?, singleStep: Bool) -> Rejection? {
        guard let (field, machine) = lifecycle,
              case .value(.string(let after))? = effectiveValue(of: field, in: next) else { return nil }
        var before = machine.initial
        if let previous, case .value(.string(let state))? = effectiveValue(of: field, in: previous) { before = state }
        guard after != before else { return nil }
        let allowed = singleStep && previous != nil
            ? machine.transitions[before]?.contains(after) == true
            : machine.canReach(after, from: before)
        guard allowed else {
            return Rejection(.illegalTransition, fields: [field], message: "\(type) cannot go from '\(before)' to '\(after)'")
        }
        let missing = (machine.requirements[after] ?? []).filter { next.entries($0).isEmpty }
        if !missing.isEmpty {
            return Rejection(.missingField, fields: missing, message: "entering '\(after)' requires \(missing.joined(separator: ", "))")
        }
        return nil
    }
}
