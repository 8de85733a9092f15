extension RecordSchema {
    /// Patrol sign-in (巡簽): evidence that officers were at a checkpoint at a time. Created once and
    /// never edited; a wrong sign-in is voided with a reason, never deleted.
    public static let patrolSignIn = RecordSchema(type: .patrolSignIn, version: 1, fields: [
        FieldSchema("officers", .list(.officer, maxCount: 4), .immutable, required: true),
        FieldSchema("checkpoint", .text(maxLength: 64), .immutable, required: true),
        FieldSchema("unit", .unit, .immutable, required: true, scope: true),
        FieldSchema("signedAt", .timestamp, .immutable, required: true),
        FieldSchema("method", .code(["qr", "nfc", "gps", "manual"]), .immutable, required: true),
        FieldSchema("location", .geoPoint, .immutable),
        FieldSchema("accuracyMetres", .integer(0...100_000), .immutable),
        FieldSchema("note", .text(maxLength: 500), .immutable),
        FieldSchema("status", .code(PatrolSignInStatus.allCases.map(\.rawValue)), .lifecycle(PatrolSignInStatus.lifecycle)),
        FieldSchema("voidReason", .text(maxLength: 500), .lastWriterWins),
    ])
}

/// The states of a patrol sign-in's `status`, in rank order (SPEC §7.1). Initial `valid`; `valid → voided`;
/// `voided` locks the sign-in and requires `voidReason`.
public enum PatrolSignInStatus: String, CaseIterable, Sendable {
    /// A state of the sign-in; the raw value is the wire value of `status`.
    case valid, voided

    static let lifecycle = Lifecycle(
        states: allCases.map(\.rawValue), initial: "valid",
        transitions: ["valid": ["voided"]],
        lockingStates: ["voided"],
        requirements: ["voided": ["voidReason"]])
}
