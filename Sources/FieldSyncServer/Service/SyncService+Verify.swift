import FieldSyncCore
import Foundation

/// `audit verify`: the chain, its signed checkpoints, every history row against the digests its entry
/// chained, and every record's state against the join of its history. Everything streams in pages.
extension SyncService {
    /// Walks everything and reports the first problem. `knownCheckpoint` is one kept outside the database
    /// (a file, a terminal's copy): a chain cut below it or rewritten under it is found even when the
    /// stored checkpoints were removed with it.
    public func verifyAudit(knownCheckpoint: AuditCheckpoint? = nil, pageSize: Int = 10_000) async throws -> AuditVerification {
        try await guarded { try await verifyStored(knownCheckpoint: knownCheckpoint, pageSize: pageSize) }
    }

    private func verifyStored(knownCheckpoint: AuditCheckpoint?, pageSize: Int) async throws -> AuditVerification {
        let storage = self.storage
        let publicKey = storage.auditSigner?.publicKey
        var chain = AuditVerifier()
        var checkpoints = PagedRows(key: \AuditCheckpoint.sequence) { try await storage.checkpoints(after: $0, limit: pageSize) }
        var history = PagedRows(key: \StoredHistoryRow.sequence) { try await storage.historyRows(after: $0, limit: pageSize) }
        var report = AuditVerification(entriesChecked: 0, headHash: AuditChain.genesisHash)
        /// Change entries whose history row is gone: fine once a later purge entry names their record.
        var missing: [String: (entry: UInt64, change: UInt64)] = [:]
        /// Refused changes the chain names, to find among the quarantine rows.
        var refusals = QuarantineLedger()

        func fail(_ problem: AuditVerification.Problem, at sequence: UInt64? = nil, record: String? = nil,
                  historySequence: UInt64? = nil, _ detail: String) -> AuditVerification {
            var found = report
            found.entriesChecked = chain.verification.entriesChecked
            found.headHash = chain.headHash
            found.problem = problem
            found.firstBadSequence = sequence
            found.record = record
            found.historySequence = historySequence
            found.detail = detail
            return found
        }
        func checkSignature(_ checkpoint: AuditCheckpoint) -> Bool {
            guard let publicKey else { return true }
            return AuditSigner.verify(checkpoint, publicKey: publicKey)
        }
        if let knownCheckpoint, !checkSignature(knownCheckpoint) {
            return fail(.badSignature, at: knownCheckpoint.sequence, "the known checkpoint is not signed by this server's key")
        }

        var after: UInt64 = 0
        while true {
            let page = try await storage.auditEntries(after: after, limit: pageSize)
            guard let last = page.last else { break }
            for entry in page {
                guard chain.feed(entry) else {
                    var found = chain.verification
                    found.checkpointsChecked = report.checkpointsChecked
                    found.signedThrough = report.signedThrough
                    found.historyRowsChecked = report.historyRowsChecked
                    return found
                }
                // Stored checkpoints of this entry: signed by our key, and naming this entry's hash.
                while let checkpoint = try await checkpoints.peek(), checkpoint.sequence <= entry.sequence {
                    checkpoints.advance()
                    guard checkSignature(checkpoint) else {
                        return fail(.badSignature, at: checkpoint.sequence, "the stored checkpoint at \(checkpoint.sequence) is not signed by this server's key")
                    }
                    guard checkpoint.sequence == entry.sequence, checkpoint.headHash == entry.hash else {
                        return fail(.checkpointMismatch, at: checkpoint.sequence,
                                    "entry \(checkpoint.sequence) does not have the hash its signed checkpoint names: the chain was rewritten")
                    }
                    report.checkpointsChecked += 1
                    report.signedThrough = checkpoint.sequence
                }
                if let knownCheckpoint, knownCheckpoint.sequence == entry.sequence, knownCheckpoint.headHash != entry.hash {
                    return fail(.checkpointMismatch, at: entry.sequence,
                                "entry \(entry.sequence) does not have the hash of the known checkpoint: the chain was rewritten")
                }
                switch entry.draft.kind {
                case .purge:
                    missing[entry.draft.subject] = nil
                    refusals.purge(entry.draft.subject)
                case .quarantine:
                    refusals.add(entry)
                case .change, .changes:
                    let changes = entry.draft.kind == .change ? ChangeDigests(detail: entry.draft.detail).map { [$0] }
                        : ChangeDigests.batch(detail: entry.draft.detail)
                    for digests in changes ?? [] {
                        let record = digests.record ?? entry.draft.subject
                        // History rows before this change that no entry named.
                        if let row = try await history.peek(), row.sequence < digests.sequence {
                            return fail(.historyUnchained, at: entry.sequence, record: row.record.rawValue, historySequence: row.sequence,
                                        "history row \(row.sequence) of \(row.record) is named by no audit entry")
                        }
                        guard let row = try await history.peek(), row.sequence == digests.sequence else {
                            if missing[record] == nil { missing[record] = (entry.sequence, digests.sequence) }
                            continue
                        }
                        history.advance()
                        report.historyRowsChecked += 1
                        let stateDigest = digests.state.map { _ in PushPlan.sha256Hex(row.acceptedState) }
                        guard row.record.rawValue == record, PushPlan.sha256Hex(row.delta) == digests.delta, stateDigest == digests.state else {
                            return fail(.historyAltered, at: entry.sequence, record: record, historySequence: row.sequence,
                                        "history row \(row.sequence) of \(record) does not match the digests audit entry \(entry.sequence) chained")
                        }
                    }
                default:
                    continue
                }
            }
            after = last.sequence
        }
        let head = chain.previousSequence
        // A signed head beyond the chain's end says most: the tail was cut.
        if let checkpoint = try await checkpoints.peek() {
            guard checkSignature(checkpoint) else {
                return fail(.badSignature, at: checkpoint.sequence, "the stored checkpoint at \(checkpoint.sequence) is not signed by this server's key")
            }
            return fail(.truncated, at: head + 1, "a signed checkpoint covers \(checkpoint.sequence) entries but the chain ends at \(head): its tail was deleted")
        }
        if let knownCheckpoint, knownCheckpoint.sequence > head {
            return fail(.truncated, at: head + 1,
                        "the known checkpoint covers \(knownCheckpoint.sequence) entries but the chain ends at \(head): its tail was deleted")
        }
        if let (record, gone) = missing.min(by: { $0.value.entry < $1.value.entry }) {
            return fail(.historyMissing, at: gone.entry, record: record, historySequence: gone.change,
                        "history row \(gone.change) of \(record), chained by audit entry \(gone.entry), is gone and the record was not purged")
        }
        if let row = try await history.peek() {
            return fail(.historyUnchained, at: head + 1, record: row.record.rawValue, historySequence: row.sequence,
                        "history row \(row.sequence) of \(row.record) is named by no audit entry: entries after \(head) were cut from the chain, or the row was inserted")
        }
        // Every transaction that appends to the chain signs its head, so with a key the head is signed.
        if publicKey != nil, head > 0, report.signedThrough != head {
            let first = (report.signedThrough ?? 0) + 1
            return fail(.unsigned, at: first, "entries \(first)...\(head) are covered by no signed checkpoint"
                            + (storage.auditSigningRefusal.map { "; this server stopped signing: " + $0 } ?? ""))
        }
        report.entriesChecked = chain.verification.entriesChecked
        report.headHash = chain.headHash
        var quarantine = PagedRows(key: { (row: StoredQuarantineRow) in UInt64(row.id) }) {
            try await storage.chainedQuarantineRows(after: Int64($0), limit: pageSize)
        }
        while let row = try await quarantine.peek() {
            quarantine.advance()
            guard refusals.take(row) else {
                return fail(.quarantineAltered, record: row.record.rawValue,
                            "quarantine row \(row.id) of \(row.record) matches no audit entry: rewritten or inserted")
            }
        }
        if let (record, entry) = refusals.first {
            return fail(.quarantineMissing, at: entry, record: record,
                        "the quarantine row of \(record) chained by audit entry \(entry) is gone and the record was not purged")
        }
        if let row = try await storage.firstHistoryWithoutRecord() {
            return fail(.recordMissing, record: row.record.rawValue, historySequence: row.sequence,
                        "\(row.record) has history from change \(row.sequence) on but no stored state, and was not purged")
        }
        return try await verifyStates(report, pageSize: min(pageSize, 500))
    }

    /// Each record's stored state must be its last history state, and that the join of all its history states.
    private func verifyStates(_ verified: AuditVerification, pageSize: Int) async throws -> AuditVerification {
        var report = verified
        var after: RecordID?
        // What the index of open deadlines must hold: the rows of every stored state (OpenDeadline).
        var expected = Set<OpenDeadline>()
        while true {
            let page = try await storage.recordsWithHistory(after: after, limit: pageSize)
            guard let last = page.last else { break }
            for record in page {
                if let problem = Self.stateProblem(of: record) {
                    report.problem = .stateMismatch
                    report.record = record.id.rawValue
                    report.historySequence = record.sequence
                    report.detail = "the stored state of \(record.id) \(problem)"
                    return report
                }
                if let state = try? RecordStateJSON.decode(record.state) {
                    expected.formUnion(OpenDeadline.rows(of: state, registry: registry) ?? [])
                }
                if record.history.dropFirst().contains(where: { $0.state == nil }) {
                    report.recordsNotDerivable += 1
                } else {
                    report.recordsChecked += 1
                }
            }
            after = last.id
        }
        return try await verifyDeadlineIndex(report, expected: expected)
    }

    /// The index of open deadlines against the rows the stored states give: a deleted row hides an overdue
    /// case from supervisors' lists and the metric, so it is named like any other tampering.
    private func verifyDeadlineIndex(_ verified: AuditVerification, expected: Set<OpenDeadline>) async throws -> AuditVerification {
        var report = verified
        let indexed = Set(try await storage.openDeadlines(dueBy: .max))
        let missing = expected.subtracting(indexed), extra = indexed.subtracting(expected)
        guard let first = (missing.map { ($0, "missing") } + extra.map { ($0, "not given by the stored state") })
            .min(by: { ($0.0.record, $0.0.deadline) < ($1.0.record, $1.0.deadline) }) else { return report }
        report.problem = .deadlinesAltered
        report.record = first.0.record.rawValue
        report.detail = "the index of open deadlines does not match the stored states: \(missing.count) rows missing, "
            + "\(extra.count) not given by a stored state; first: \(first.0.deadline) of \(first.0.record) (\(first.1))"
        return report
    }

    /// What is wrong with a record's stored state, nil when it is right.
    static func stateProblem(of record: StoredRecordRows) -> String? {
        guard let latest = record.history.last else { return "has no history" }
        guard latest.sequence == record.sequence else {
            return "names change \(record.sequence), but its history ends at \(latest.sequence)"
        }
        guard latest.acceptedState == record.state else { return "is not the state its last change (\(latest.sequence)) accepted" }
        // Rows from before history kept states hold only deltas: the digest comparison above is all there is.
        guard !record.history.dropFirst().contains(where: { $0.state == nil }) else { return nil }
        do {
            var derived: RecordState?
            for row in record.history {
                let state = try RecordStateJSON.decode(row.acceptedState)
                derived = derived.map { $0.joined(with: state) } ?? state
            }
            guard derived == (try RecordStateJSON.decode(record.state)) else { return "is not the join of its history states" }
        } catch {
            return "cannot be decoded (\(error))"
        }
        return nil
    }
}

/// The refused changes the chain names (`PushPlan.auditDraft(for: Quarantined)`), matched against the
/// quarantine rows: record, batch and the state's digest. Refusals are rare, so they are held in memory.
struct QuarantineLedger {
    private var open: [String: [(entry: UInt64, key: String)]] = [:]
    private var counts: [String: Int] = [:]

    /// Reads `batch B rejected CODE state sha256:D` from the end: a batch id may hold spaces.
    mutating func add(_ entry: AuditEntry) {
        let tokens = entry.draft.detail.split(separator: " ", omittingEmptySubsequences: false)
        guard tokens.count >= 6, tokens[0] == "batch", tokens[tokens.count - 4] == "rejected", tokens[tokens.count - 2] == "state",
              tokens[tokens.count - 1].hasPrefix("sha256:") else { return }
        let batch = tokens[1..<(tokens.count - 4)].joined(separator: " ")
        let key = Self.key(entry.draft.subject, batch, String(tokens[tokens.count - 1].dropFirst("sha256:".count)))
        open[entry.draft.subject, default: []].append((entry.sequence, key))
        counts[key, default: 0] += 1
    }

    /// A purge removes the record's quarantine rows with it.
    mutating func purge(_ record: String) {
        for (_, key) in open.removeValue(forKey: record) ?? [] { counts[key, default: 1] -= 1 }
    }

    /// Whether an entry names `row`; it then counts as found.
    mutating func take(_ row: StoredQuarantineRow) -> Bool {
        let key = Self.key(row.record.rawValue, row.batchID, AuditChain.sha256Hex(row.state))
        guard let count = counts[key], count > 0 else { return false }
        counts[key] = count - 1
        if var entries = open[row.record.rawValue], let index = entries.firstIndex(where: { $0.key == key }) {
            entries.remove(at: index)
            open[row.record.rawValue] = entries.isEmpty ? nil : entries
        }
        return true
    }

    /// The earliest refusal whose row was not found.
    var first: (record: String, entry: UInt64)? {
        open.flatMap { record, entries in entries.map { (record, $0.entry) } }.min { $0.1 < $1.1 }
    }

    private static func key(_ record: String, _ batch: String, _ digest: String) -> String {
        record + "\n" + batch + "\n" + digest
    }
}

/// Rows read page by page in key order, looked at one at a time.
struct PagedRows<Row> {
    private let key: (Row) -> UInt64
    private let fetch: (UInt64) async throws -> [Row]
    private var buffer: [Row] = []
    private var index = 0
    private var after: UInt64 = 0
    private var exhausted = false

    init(key: @escaping (Row) -> UInt64, fetch: @escaping (UInt64) async throws -> [Row]) {
        self.key = key
        self.fetch = fetch
    }

    mutating func peek() async throws -> Row? {
        if index == buffer.count {
            guard !exhausted else { return nil }
            buffer = try await fetch(after)
            index = 0
            guard let last = buffer.last else { exhausted = true; return nil }
            after = key(last)
        }
        return buffer[index]
    }

    mutating func advance() { index += 1 }
}

extension SyncService {
    /// The latest signed head with the key that signed it, as `fieldsync audit checkpoint` exports it.
    public func latestAuditCheckpoint() async throws -> AuditCheckpointExport {
        guard let signer = storage.auditSigner else {
            throw ServerError(.notFound, "this server signs no audit checkpoints: set audit.signingKeyFile")
        }
        let checkpoint = try await guarded { try await storage.latestCheckpoint() }
        return AuditCheckpointExport(checkpoint: checkpoint, publicKey: signer.publicKey)
    }
}

/// A checkpoint as exported (`fieldsync audit checkpoint`) and given back to `audit verify --checkpoint`.
public struct AuditCheckpointExport: Hashable, Sendable, Codable {
    /// The signed head, nil when the chain has no signed entry yet.
    public var checkpoint: AuditCheckpoint?
    /// The signing key (raw 32 bytes, base64).
    public var publicKey: String?

    /// An export of `checkpoint`, signed by the key `publicKey`.
    public init(checkpoint: AuditCheckpoint?, publicKey: String?) {
        self.checkpoint = checkpoint
        self.publicKey = publicKey
    }
}
