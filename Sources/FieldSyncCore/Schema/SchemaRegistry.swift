/// The record types a replica understands, looked up by wire name.
public struct SchemaRegistry: Sendable {
    /// The schemas by type.
    public let schemas: [RecordType: RecordSchema]

    /// A registry of `schemas`. Traps when two schemas declare the same type.
    public init(_ schemas: [RecordSchema]) {
        self.schemas = Dictionary(uniqueKeysWithValues: schemas.map { ($0.type, $0) })
    }

    /// Patrol sign-ins, household visits and incident reports.
    public static let standard = SchemaRegistry([.patrolSignIn, .householdVisit, .incidentReport])

    /// The schema of `type`, or nil when the replica does not know it.
    public subscript(type: RecordType) -> RecordSchema? { schemas[type] }

    /// The known types, sorted by name.
    public var types: [RecordType] { schemas.keys.sorted() }

    /// The schema for `state`, or the rejection that says why there is none.
    public func schema(for state: RecordState) -> Result<RecordSchema, Rejection> {
        guard let schema = schemas[state.type] else {
            return .failure(Rejection(.unknownRecordType, message: "unknown record type '\(state.type)'"))
        }
        guard schema.supportedVersions.contains(state.schemaVersion) else {
            return .failure(Rejection(.unsupportedSchemaVersion,
                message: "\(state.type) schema version \(state.schemaVersion) is not in \(schema.supportedVersions.lowerBound)...\(schema.supportedVersions.upperBound)"))
        }
        return .success(schema)
    }
}
