import FieldSyncCore

/// The values of a new patrol sign-in (巡簽). A sign-in is never edited afterwards, only voided.
public struct NewPatrolSignIn: Hashable, Sendable {
    /// How the officers proved they were at the checkpoint; the raw value is the wire value of `method`.
    public enum Method: String, Hashable, Sendable, CaseIterable {
        /// A QR code at the checkpoint was scanned.
        case qr
        /// An NFC tag at the checkpoint was read.
        case nfc
        /// The terminal's GPS fix placed the officers at the checkpoint.
        case gps
        /// Entered by hand, with no scan or fix.
        case manual
    }

    /// The 1-4 officers signing in together.
    public var officers: [OfficerID]
    /// The checkpoint's code or name, 1-64 bytes.
    public var checkpoint: String
    /// The unit the checkpoint belongs to: a scope field.
    public var unit: UnitID
    /// Milliseconds since 1970.
    public var signedAt: Int64
    /// How presence was proved.
    public var method: Method
    /// Microdegrees.
    public var location: (latitude: Int64, longitude: Int64)?
    /// The location's accuracy, 0-100,000 metres.
    public var accuracyMetres: Int64?
    /// 1-500 bytes.
    public var note: String?

    /// The values as given; nothing is checked until the store creates the record.
    public init(officers: [OfficerID], checkpoint: String, unit: UnitID, signedAt: Int64, method: Method,
                location: (latitude: Int64, longitude: Int64)? = nil, accuracyMetres: Int64? = nil, note: String? = nil) {
        self.officers = officers
        self.checkpoint = checkpoint
        self.unit = unit
        self.signedAt = signedAt
        self.method = method
        self.location = location
        self.accuracyMetres = accuracyMetres
        self.note = note
    }

    /// The creating write; the core validates it.
    public var operations: [FieldOperation] {
        var operations: [FieldOperation] = [
            .set("officers", .list(officers.map { .string($0.rawValue) })),
            .set("checkpoint", .string(checkpoint)),
            .set("unit", .string(unit.rawValue)),
            .set("signedAt", .int(signedAt)),
            .set("method", .string(method.rawValue)),
        ]
        if let location {
            operations.append(.set("location", .object(["lat": .int(location.latitude), "lon": .int(location.longitude)])))
        }
        if let accuracyMetres { operations.append(.set("accuracyMetres", .int(accuracyMetres))) }
        if let note { operations.append(.set("note", .string(note))) }
        return operations
    }

    /// Equal when both make the same creating write (`operations`): the `location` tuple is not
    /// `Hashable` itself.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.operations == rhs.operations }
    /// Hashes `operations`, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(operations) }
}
