import FieldSyncCore
import Foundation

/// What one push batch will write, decided before any change sequence is assigned. This is the part of
/// `SyncStorage.applyPush` that every backend shares: admission of each record against its stored
/// state, the receipt-number check (of each type's unique field, `FieldSchema.unique`), and the rows
/// (JSON, digests, authors) to write. A backend reads the stored states, builds the plan, then writes
/// `changes` under the sequences it assigns.
struct PushPlan {
    /// One record to store.
    struct Change {
        var state: RecordState
        var stateJSON: Data
        /// The writes new to the server (the whole state for a new record), for history.
        var deltaJSON: Data
        var deltaDigest: String
        /// SHA-256 of `stateJSON`: chained in the change's audit entry, so that a rewritten `records.state` or
        /// history state shows (SPEC §8.7, `audit verify`).
        var stateDigest: String
        /// The accepted state as history keeps it: nil when it is the delta (a new record).
        var historyStateJSON: Data? { isNew ? nil : stateJSON }
        var isNew: Bool
        /// The officers who wrote `delta`, sorted, comma-separated.
        var authors: String
        /// Every unit the record was ever scoped to, sorted, space-separated.
        var units: String
        /// Units the stored record did not have yet.
        var newUnits: [UnitID]
        var needsPerson: Bool
        /// The receipt number this new record claims (its type's unique field).
        var receiptNumber: String?
        /// The state's open deadlines (`OpenDeadline`), replacing the record's rows; nil when its type
        /// declares none.
        var openDeadlines: [OpenDeadline]?
    }

    /// One refused record, kept in quarantine.
    struct Quarantined {
        var record: RecordID
        var rejection: Rejection
        var rejectionJSON: Data
        var stateJSON: Data
        var stateDigest: String
        /// The officers of the pusher's own writes in the refused state, sorted, comma-separated.
        var authors: String
    }

    private enum Outcome {
        case change(Int)
        case unchanged(UInt64)
        case rejected(Rejection, current: RecordState?)
    }

    private var outcomes: [(RecordID, Outcome)] = []
    private(set) var changes: [Change] = []
    private(set) var quarantined: [Quarantined] = []
    /// What the plan decided, from its final outcomes (after the lease and roster checks).
    private(set) var counts = PushCounts()

    /// The pushing device as stored, read inside the batch's transaction: revocation and leases are
    /// checked there, not only when the request was authenticated (a revocation committed meanwhile
    /// must stop the batch).
    struct Pusher {
        var revoked: Bool
        var credentialHash: [UInt8]
        /// The receipt-number blocks leased to the device (SPEC §10.7).
        var leases: [ReceiptLease]
        /// The officers on the rosters covering the device's station; nil when none has a roster.
        var roster: Set<OfficerID>?
    }

    /// The first step of every batch transaction, before replays are answered: a device revoked after
    /// its request was authenticated gets `revoked`, and nothing of the batch is stored.
    static func refuseIfRevoked(_ pusher: Pusher?, batch: PushBatch) throws {
        if let pusher, pusher.revoked {
            throw ServerError.revoked(replica: batch.replica, credentialHash: pusher.credentialHash)
        }
    }

    /// - Parameters:
    ///   - pusher: the pushing device as stored, nil for a server node's own replica (administrators'
    ///     resolutions), which is no enrolled device and creates no records.
    ///   - currents: the stored record for each of `batch.records`, in the same order.
    ///   - receiptHolder: the record that holds a receipt number in storage, if any.
    init(batch: PushBatch, pusher: Pusher?, currents: [ServerRecord?], receiptHolder: (String) throws -> RecordID?,
         admit: (RecordState, ServerRecord?) -> Admission) throws {
        precondition(currents.count == batch.records.count)
        let encoder = JSONEncoder()
        var claimed: [String: RecordID] = [:]
        for (index, incoming) in batch.records.enumerated() {
            let prepared = batch.encoded.isEmpty ? nil : batch.encoded[index]
            let current = currents[index]
            var admission = admit(incoming, current)
            var receiptNumber: String?
            if case .store(let state, _, _, _, _) = admission, current == nil,
               let receipt = Self.receiptNumber(of: state, in: batch.registry) {
                let (field, number) = receipt
                // The lease first: a number outside the pusher's blocks is refused with the same words
                // whether or not another case holds it, so refusals reveal nothing of other stations.
                // No pusher row: a server node's own replica (no wire request is authenticated without
                // a device row), whose numbers are the server's to decide.
                let leased = pusher.map { Self.isLeased(number, in: $0.leases) } ?? true
                let holder = leased ? try claimed[number] ?? receiptHolder(number) : nil
                if !leased {
                    admission = .reject(Rejection(.invalidValue, fields: [field],
                                                  message: "receipt number \(number) is not in a block leased to this device; issue numbers from the terminal's own lease"),
                                        current: nil)
                } else if let holder, holder != state.id {
                    admission = .reject(Rejection(.invalidValue, fields: [field],
                                                  message: "receipt number \(number) was already issued to another case; issue a new one from the lease"),
                                        current: nil)
                } else {
                    claimed[number] = state.id
                    receiptNumber = holder == nil ? number : nil
                }
            }
            if case .store(_, let delta, _, _, _) = admission, let roster = pusher?.roster {
                let unlisted = delta.fields.filter { _, entries in entries.contains { !roster.contains($0.author) } }
                if !unlisted.isEmpty {
                    let officers = Set(unlisted.flatMap { $0.value.map(\.author.rawValue) }).subtracting(roster.map(\.rawValue)).sorted()
                    admission = .reject(Rejection(.invalidValue, fields: unlisted.map(\.key).sorted(),
                                                  message: "officer \(officers.joined(separator: ", ")) is not on this station's roster"),
                                        current: current?.state)
                }
            }
            switch admission {
            case .store(let state, let delta, let units, let needsPerson, let isIncoming):
                counts.accepted(conflictBefore: current?.needsPerson ?? false, conflictAfter: needsPerson)
                let reuse = isIncoming ? prepared : nil
                let stateJSON = reuse?.json ?? RecordStateJSON.encode(state)
                let deltaJSON = current == nil ? stateJSON : RecordStateJSON.encode(delta)
                let stateDigest = reuse?.sha256 ?? Self.sha256Hex(stateJSON)
                let deltaDigest = current == nil ? stateDigest : Self.sha256Hex(deltaJSON)
                changes.append(Change(
                    state: state, stateJSON: stateJSON, deltaJSON: deltaJSON, deltaDigest: deltaDigest,
                    stateDigest: stateDigest, isNew: current == nil,
                    authors: Set(delta.fields.values.joined().map(\.author.rawValue)).sorted().joined(separator: ","),
                    units: units.map(\.rawValue).sorted().joined(separator: " "),
                    newUnits: units.filter { current?.units.contains($0) != true }.sorted { $0.rawValue < $1.rawValue },
                    needsPerson: needsPerson, receiptNumber: receiptNumber,
                    openDeadlines: OpenDeadline.rows(of: state, registry: batch.registry)))
                outcomes.append((incoming.id, .change(changes.count - 1)))
            case .unchanged:
                outcomes.append((incoming.id, .unchanged(current?.sequence ?? 0)))
            case .reject(let rejection, let visible):
                counts.rejected(rejection.code)
                let stateJSON = prepared?.json ?? RecordStateJSON.encode(incoming)
                let own = incoming.fields.values.joined().filter { $0.dot.replica == batch.replica }
                quarantined.append(Quarantined(record: incoming.id, rejection: rejection,
                                               rejectionJSON: try encoder.encode(rejection), stateJSON: stateJSON,
                                               stateDigest: prepared?.sha256 ?? Self.sha256Hex(stateJSON),
                                               authors: Set(own.map(\.author.rawValue)).sorted().joined(separator: ",")))
                outcomes.append((incoming.id, .rejected(rejection, current: visible)))
            }
        }
    }

    /// The answer to a batch id this replica already pushed (`fingerprint` and `results` as stored): the
    /// stored answers when the content is the same, `batchConflict` otherwise. Checked inside the batch's
    /// transaction, after the revocation check and before anything is decided.
    static func replay(of batch: PushBatch, storedFingerprint fingerprint: String, storedResults results: Data) throws -> AppliedPush {
        guard fingerprint == batch.fingerprint else {
            throw ServerError(.batchConflict, "batch \(batch.batchID) was already pushed with different content")
        }
        return AppliedPush(results: try decodeResults(results), replayed: true)
    }

    /// The answers, once `changes[i]` was stored under `sequences[i]`.
    func results(sequences: [UInt64]) -> [RecordResult] {
        precondition(sequences.count == changes.count)
        return outcomes.map { id, outcome in
            switch outcome {
            case .change(let index): RecordResult(id: id, outcome: .accepted(seq: sequences[index]))
            case .unchanged(let sequence): RecordResult(id: id, outcome: .accepted(seq: sequence))
            case .rejected(let rejection, let current): RecordResult(id: id, outcome: .rejected(rejection, current: current))
            }
        }
    }

    /// The audit entry of the changes a batch stored, once `changes[i]` was stored under `sequences[i]`:
    /// one line per change naming its sequence, its record and the digests of its history row's delta and
    /// of the accepted state (`ChangeDigests.batch` reads them back), so that the chain still names the one
    /// record whose history or state was rewritten. Actor: every officer who wrote in the batch.
    static func auditDraft(for changes: [Change], sequences: [UInt64], batch: PushBatch) -> AuditDraft {
        var detail = ""
        detail.reserveCapacity(changes.count * 220)
        for (change, sequence) in zip(changes, sequences) {
            if !detail.isEmpty { detail += "\n" }
            detail += "seq \(sequence) record \(change.state.id.rawValue) delta sha256:\(change.deltaDigest) state sha256:\(change.stateDigest)"
        }
        let authors = Set(changes.flatMap { $0.authors.split(separator: ",") }).sorted().joined(separator: ",")
        return AuditDraft(kind: .changes, at: batch.receivedAt, actor: authors, replica: batch.replica.rawValue,
                          subject: batch.batchID, detail: detail)
    }

    /// The audit entry of a refused change: quarantine rows are chained like accepted changes.
    static func auditDraft(for refused: Quarantined, batch: PushBatch) -> AuditDraft {
        AuditDraft(kind: .quarantine, at: batch.receivedAt, actor: refused.authors, replica: batch.replica.rawValue,
                   subject: refused.record.rawValue,
                   detail: "batch \(batch.batchID) rejected \(refused.rejection.code.rawValue) state sha256:\(refused.stateDigest)")
    }

    /// Every audit entry of the plan, once `changes[i]` was stored under `sequences[i]`: one entry for the
    /// stored changes (none when nothing was stored), then one per refusal.
    func auditDrafts(sequences: [UInt64], batch: PushBatch) -> [AuditDraft] {
        (changes.isEmpty ? [] : [Self.auditDraft(for: changes, sequences: sequences, batch: batch)])
            + quarantined.map { Self.auditDraft(for: $0, batch: batch) }
    }

    /// The receipt number a record carries, which names it only: the value of its type's unique field
    /// (`FieldSchema.unique`; an incident report's `receiptNumber`), and that field's name.
    static func receiptNumber(of state: RecordState, in registry: SchemaRegistry) -> (field: String, number: String)? {
        guard let field = registry[state.type]?.uniqueField?.name,
              let number = state.entries(field).first?.value.stringValue else { return nil }
        return (field, number)
    }

    /// Whether `number` is written exactly as one of `leases` issues it (`prefix-` and the zero-padded
    /// number, `ReceiptLease.receiptNumber`) and lies inside that block.
    static func isLeased(_ number: String, in leases: [ReceiptLease]) -> Bool {
        leases.contains { lease in
            guard number.hasPrefix(lease.prefix + "-") else { return false }
            let digits = number.utf8.dropFirst(lease.prefix.utf8.count + 1)
            guard (7...18).contains(digits.count), digits.allSatisfy({ (0x30...0x39).contains($0) }),
                  let value = Int64(String(decoding: digits, as: UTF8.self)), (lease.first...lease.last).contains(value) else {
                return false
            }
            return lease.receiptNumber(value) == number
        }
    }

    /// The receipt numbers the records of a batch carry: what a backend looks up before planning.
    static func receiptNumbers(of batch: PushBatch) -> [String] {
        batch.records.compactMap { receiptNumber(of: $0, in: batch.registry)?.number }
    }

    static func sha256Hex(_ data: Data) -> String {
        AuditChain.sha256Hex(data)
    }

    static func encodeResults(_ results: [RecordResult]) throws -> Data {
        try JSONEncoder().encode(results)
    }

    static func decodeResults(_ data: Data) throws -> [RecordResult] {
        try JSONDecoder().decode([RecordResult].self, from: data)
    }
}
