import Crypto
import Foundation

/// The hashing and verification rules of the audit chain, shared by every storage backend.
public enum AuditChain {
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The entry that follows `previousHash` at `sequence`.
    public static func link(_ draft: AuditDraft, sequence: UInt64, previousHash: String) -> AuditEntry {
        AuditEntry(sequence: sequence, draft: draft, previousHash: previousHash,
                   hash: hash(draft, sequence: sequence, previousHash: previousHash))
    }

    /// Fields are length-prefixed so that no two different entries serialise to the same bytes.
    public static func hash(_ draft: AuditDraft, sequence: UInt64, previousHash: String) -> String {
        var hasher = SHA256()
        for part in [previousHash, String(sequence), draft.kind.rawValue, String(draft.at), draft.actor,
                     draft.replica, draft.subject, draft.detail] {
            let bytes = Array(part.utf8)
            hasher.update(data: Array(String(bytes.count).utf8) + [0x3A] + bytes)
        }
        return hex(hasher.finalize())
    }

    /// Hex SHA-256 of `data`: the digests the chain carries of history rows and record states.
    public static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in digest { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The verifier's finding.
public struct AuditVerification: Hashable, Sendable, Codable {
    public enum Problem: String, Hashable, Sendable, Codable {
        /// The entry's content does not match its hash: it was altered.
        case altered
        /// The entry does not follow its predecessor: an entry before it was removed, or it was inserted.
        case brokenLink
        /// Sequence numbers skip or repeat: an entry was removed or inserted.
        case sequenceGap
        /// A signed checkpoint (stored, or the known one given to the verifier) covers entries the chain no
        /// longer holds: its tail was deleted.
        case truncated
        /// The chain's entry at a signed checkpoint's sequence has another hash: the chain was rewritten and
        /// recomputed (which needs no key), or the checkpoint is not this chain's.
        case checkpointMismatch
        /// A stored checkpoint, or the known one, is not signed by this server's key.
        case badSignature
        /// Entries after the last signed checkpoint: appended by someone without the key.
        case unsigned
        /// A history row does not match the digests its audit entry chained: it was rewritten.
        case historyAltered
        /// The audit chain names a change whose history row is gone (and the record was not purged).
        case historyMissing
        /// A history row that no audit entry names: inserted, or its entries were cut from the chain.
        case historyUnchained
        /// A record's stored state is not the join of its history states: `records.state` was rewritten.
        case stateMismatch
        /// A record has history but no stored state (and was not purged): its `records` row was deleted.
        case recordMissing
        /// A quarantine row that no audit entry names as it is: rewritten, or inserted.
        case quarantineAltered
        /// The chain names a refused change whose quarantine row is gone (and the record was not purged).
        case quarantineMissing
        /// The index of open reporting deadlines does not match the stored states: a row was deleted (which
        /// hides an overdue case from `admin cases overdue` and the metric), inserted or altered.
        case deadlinesAltered
    }

    public var entriesChecked: Int
    /// The sequence of the first bad entry (or checkpoint), nil when the chain is intact.
    public var firstBadSequence: UInt64?
    public var problem: Problem?
    public var headHash: String
    /// The record whose history or state disagrees, for the history and state problems.
    public var record: String?
    /// The change sequence of the history row at fault, when there is one.
    public var historySequence: UInt64?
    /// What was found, in words.
    public var detail: String?
    /// Stored checkpoints whose signature and hash were checked.
    public var checkpointsChecked: Int
    /// The highest sequence a valid signed checkpoint covers.
    public var signedThrough: UInt64?
    /// History rows checked against the digests of their audit entries.
    public var historyRowsChecked: Int
    /// Records whose state was re-derived from their history and matched.
    public var recordsChecked: Int
    /// Records changed before history kept states (their state cannot be re-derived; their history digests still are checked).
    public var recordsNotDerivable: Int

    public var isIntact: Bool { problem == nil }

    public init(entriesChecked: Int, firstBadSequence: UInt64? = nil, problem: Problem? = nil, headHash: String,
                record: String? = nil, historySequence: UInt64? = nil, detail: String? = nil) {
        self.entriesChecked = entriesChecked
        self.firstBadSequence = firstBadSequence
        self.problem = problem
        self.headHash = headHash
        self.record = record
        self.historySequence = historySequence
        self.detail = detail
        checkpointsChecked = 0
        historyRowsChecked = 0
        recordsChecked = 0
        recordsNotDerivable = 0
    }

    private enum CodingKeys: String, CodingKey {
        case entriesChecked, firstBadSequence, problem, headHash, record, historySequence, detail, checkpointsChecked,
             signedThrough, historyRowsChecked, recordsChecked, recordsNotDerivable
    }

    /// The counts added with checkpoints are optional on decoding, so a new CLI reads an older server's answer.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(entriesChecked: try container.decode(Int.self, forKey: .entriesChecked),
                  firstBadSequence: try container.decodeIfPresent(UInt64.self, forKey: .firstBadSequence),
                  problem: try container.decodeIfPresent(Problem.self, forKey: .problem),
                  headHash: try container.decode(String.self, forKey: .headHash),
                  record: try container.decodeIfPresent(String.self, forKey: .record),
                  historySequence: try container.decodeIfPresent(UInt64.self, forKey: .historySequence),
                  detail: try container.decodeIfPresent(String.self, forKey: .detail))
        checkpointsChecked = try container.decodeIfPresent(Int.self, forKey: .checkpointsChecked) ?? 0
        signedThrough = try container.decodeIfPresent(UInt64.self, forKey: .signedThrough)
        historyRowsChecked = try container.decodeIfPresent(Int.self, forKey: .historyRowsChecked) ?? 0
        recordsChecked = try container.decodeIfPresent(Int.self, forKey: .recordsChecked) ?? 0
        recordsNotDerivable = try container.decodeIfPresent(Int.self, forKey: .recordsNotDerivable) ?? 0
    }
}

/// Walks the chain in pages, keeping only the last hash.
public struct AuditVerifier: Sendable {
    private(set) var checked = 0
    private(set) var previousHash = AuditChain.genesisHash
    public private(set) var previousSequence: UInt64 = 0
    private(set) var finding: AuditVerification?

    public init() {}

    /// Feeds the next entries in order; returns false once a problem is found.
    public mutating func feed(_ entries: [AuditEntry]) -> Bool {
        for entry in entries where !feed(entry) { return false }
        return finding == nil
    }

    /// Feeds the next entry; returns false once a problem is found.
    public mutating func feed(_ entry: AuditEntry) -> Bool {
        guard finding == nil else { return false }
        if entry.sequence != previousSequence + 1 {
            finding = result(entry, .sequenceGap)
        } else if entry.hash != AuditChain.hash(entry.draft, sequence: entry.sequence, previousHash: entry.previousHash) {
            finding = result(entry, .altered)
        } else if entry.previousHash != previousHash {
            finding = result(entry, .brokenLink)
        } else {
            checked += 1
            previousHash = entry.hash
            previousSequence = entry.sequence
        }
        return finding == nil
    }

    /// The hash of the last entry that verified.
    public var headHash: String { previousHash }

    public var verification: AuditVerification {
        finding ?? AuditVerification(entriesChecked: checked, headHash: previousHash)
    }

    private func result(_ entry: AuditEntry, _ problem: AuditVerification.Problem) -> AuditVerification {
        AuditVerification(entriesChecked: checked, firstBadSequence: entry.sequence, problem: problem, headHash: previousHash)
    }
}
