extension RecordSchema {
    /// Every declared deadline of `state` whose clock has started, and where it stands at `now`
    /// (milliseconds since 1970: the caller's clock, injected). Pure: the same state and the same `now`
    /// give the same answer on every peer.
    public func deadlineStatuses(of state: RecordState, now: Int64) -> [DeadlineStatus] {
        deadlines.compactMap { deadline in
            guard let started = startTime(of: deadline.start, in: state) else { return nil }
            let due = started + deadline.length
            var metAt: Int64? = started
            var met = true
            for event in deadline.events {
                switch time(of: event, in: state, since: started) {
                case .notYet: met = false
                case .at(let time): metAt = metAt.map { max($0, time) }
                case .atUnknownTime: metAt = nil
                }
            }
            guard met else {
                return DeadlineStatus(deadline: deadline.name, startedAt: started, dueAt: due, metAt: nil,
                                      outcome: isWaiving(deadline, state) ? .waived : now > due ? .overdue : .running)
            }
            let late = metAt.map { $0 > due } ?? false
            return DeadlineStatus(deadline: deadline.name, startedAt: started, dueAt: due, metAt: metAt,
                                  outcome: late ? .metLate : .met)
        }
    }

    /// The declared deadline named `name`.
    public func deadline(_ name: String) -> Deadline? { deadlines.first { $0.name == name } }

    /// Whether the record's effective lifecycle state is one that waives `deadline`.
    private func isWaiving(_ deadline: Deadline, _ state: RecordState) -> Bool {
        guard !deadline.waivedBy.isEmpty, let (field, _) = lifecycle,
              let current = effectiveValue(of: field, in: state)?.singleValue?.stringValue else { return false }
        return deadline.waivedBy.contains(current)
    }

    private func startTime(of start: Deadline.Start, in state: RecordState) -> Int64? {
        switch start {
        case .time(let field, let condition):
            if let condition, !holds(condition, in: state) { return nil }
            return effectiveValue(of: field, in: state)?.singleValue?.intValue
        case .latestEntry(let field):
            return state.entries(field).map(\.stamp.wall).max()
        }
    }

    private func holds(_ condition: Deadline.Condition, in state: RecordState) -> Bool {
        switch condition {
        case .equals(let field, let value):
            return effectiveValue(of: field, in: state)?.singleValue?.stringValue == value
        }
    }

    private enum EventTime { case notYet, at(Int64), atUnknownTime }

    private func time(of event: Deadline.Event, in state: RecordState, since started: Int64) -> EventTime {
        switch event {
        case .timeSet(let field):
            guard let time = effectiveValue(of: field, in: state)?.singleValue?.intValue, time >= started else { return .notYet }
            return .at(time)
        case .lifecycleReached(let target):
            guard let (field, machine) = lifecycle, let targetRank = machine.rank(of: target) else { return .notYet }
            // The furthest current value (concurrent values: the lifecycle's own rule), written since the start.
            let reached = state.entries(field).compactMap { entry -> (rank: Int, entry: FieldEntry)? in
                guard let value = entry.value.stringValue, let rank = machine.rank(of: value), rank >= targetRank,
                      entry.stamp.wall >= started else { return nil }
                return (rank, entry)
            }
            guard let furthest = reached.max(by: { $0.rank < $1.rank }) else { return .notYet }
            return furthest.rank == targetRank ? .at(furthest.entry.stamp.wall) : .atUnknownTime
        }
    }
}
