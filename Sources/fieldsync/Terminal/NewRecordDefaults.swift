import FieldSyncCore

/// What `fieldsync record add` writes into a new record's required fields that `--set` leaves unset.
///
/// Derived from the schema, so that a type added by declaration gets them too: the time of the write in
/// timestamp fields, the officer making it in officer fields (a list of officers: that one). A unique
/// field (a receipt number) is not filled here: the store issues it from the lease, in the transaction
/// that stores the record. The standard types add what their schemas do not say: a patrol signs in for
/// the terminal's station; an incident is received by the station, lies in its jurisdiction until a
/// transfer, and starts with its receipt issued (the reporter takes it on the spot, as
/// `NewIncidentReport` writes it).
struct NewRecordDefaults {
    var station: UnitID
    var officer: OfficerID
    /// Milliseconds since 1970.
    var now: Int64

    func fill(_ fields: inout [String: FieldValue], of schema: RecordSchema) {
        for field in schema.fields where field.required && fields[field.name] == nil {
            switch field.kind {
            case .timestamp: fields[field.name] = .int(now)
            case .officer: fields[field.name] = .string(officer.rawValue)
            case .list(.officer, _): fields[field.name] = .list([.string(officer.rawValue)])
            default: break
            }
        }
        let station = FieldValue.string(station.rawValue)
        switch schema.type {
        case .patrolSignIn:
            fields["unit"] = fields["unit"] ?? station
        case .incidentReport:
            fields["receivingUnit"] = fields["receivingUnit"] ?? station
            fields["jurisdictionUnit"] = fields["jurisdictionUnit"] ?? fields["receivingUnit"]
            fields["status"] = fields["status"] ?? .string(IncidentReportStatus.receiptIssued.rawValue)
        default:
            break
        }
    }
}
