import FieldSyncCore

/// The service's decision for one pushed record, taken inside the batch transaction.
public enum Admission: Sendable {
    /// Store `state`; `delta` holds the writes that are new to the server (for history).
    /// `isIncoming`: `state` is the pushed state itself (a new record), so its prepared JSON applies.
    case store(RecordState, delta: RecordState, units: Set<UnitID>, needsPerson: Bool, isIncoming: Bool)
    /// Nothing new: answer accepted with the stored sequence.
    case unchanged
    /// Refuse and quarantine; `current` goes back to the device when it may see the record.
    case reject(Rejection, current: RecordState?)
}
