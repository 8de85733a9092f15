extension RecordSchema {
    /// Creates a record: one write holding the initial values. The lifecycle field starts in its
    /// initial state unless the write names another state reachable from it.
    public func create(id: RecordID, _ operations: [FieldOperation], origin: WriteOrigin) throws(Rejection) -> RecordState {
        var operations = operations
        if let (field, machine) = lifecycle, !operations.contains(where: { $0.field == field }) {
            operations.append(.set(field, .string(machine.initial)))
        }
        guard id.isWellFormed else {
            throw Rejection(.malformedState, message: "record id '\(id)' is not 1-128 characters of [A-Za-z0-9._-]")
        }
        return try write(operations, to: emptyState(id: id), isNew: true, origin: origin)
    }

    /// Applies a local write to an existing record, validated by the same rules the server applies.
    public func apply(_ operations: [FieldOperation], to state: RecordState, origin: WriteOrigin) throws(Rejection) -> RecordState {
        try write(operations, to: state, isNew: false, origin: origin)
    }

    private func write(_ operations: [FieldOperation], to state: RecordState, isNew: Bool,
                       origin: WriteOrigin) throws(Rejection) -> RecordState {
        guard !operations.isEmpty else { throw Rejection(.invalidValue, message: "a write changes at least one field") }
        var next = state
        next.schemaVersion = version
        // A write takes one dot. A dot names one value per field, so each further value the same write
        // adds to one set or log takes the next dot.
        var dot = next.context.advance(origin.replica)
        var fieldsWithValue = Set<String>()
        func entry(_ value: FieldValue) -> FieldEntry {
            FieldEntry(dot: dot, stamp: origin.stamp, author: origin.author, value: value)
        }
        for operation in operations {
            if case .add = operation, fieldsWithValue.contains(operation.field) { dot = next.context.advance(origin.replica) }
            if case .append = operation, fieldsWithValue.contains(operation.field) { dot = next.context.advance(origin.replica) }
            fieldsWithValue.insert(operation.field)
            guard let field = field(operation.field) else {
                throw Rejection(.unknownField, fields: [operation.field], message: "\(type) has no field '\(operation.field)'")
            }
            let held = next.entries(field.name)
            var updated: [FieldEntry]
            switch (operation, field.policy) {
            case (.set(_, let value), .immutable), (.set(_, let value), .lastWriterWins),
                 (.set(_, let value), .lifecycle), (.set(_, let value), .manual):
                updated = [entry(value)]
            case (.clear, .lastWriterWins), (.clear, .manual), (.clear, .immutable):
                updated = []
            case (.add(_, let element), .addWinsSet):
                updated = held.filter { $0.value != element } + [entry(element)]
            case (.remove(_, let element), .addWinsSet):
                updated = held.filter { $0.value != element }
            case (.append(_, let value), .appendLog):
                updated = held + [entry(value)]
            default:
                throw Rejection(.invalidValue, fields: [field.name],
                                message: "'\(field.name)' is a \(field.policy.name) field: this operation does not apply")
            }
            updated.sort { $0.dot < $1.dot }
            next.fields[field.name] = updated.isEmpty ? nil : updated
        }
        if let rejection = validate(next, previous: isNew ? nil : state, writer: origin.replica, singleStep: true) {
            throw rejection
        }
        return next
    }
}
