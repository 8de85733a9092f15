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

    static func hex(_ digest: some Sequence<UInt8>) -> String {
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
    }

    public var entriesChecked: Int
    /// The sequence of the first bad entry, nil when the chain is intact.
    public var firstBadSequence: UInt64?
    public var problem: Problem?
    public var headHash: String

    public var isIntact: Bool { firstBadSequence == nil }

    public init(entriesChecked: Int, firstBadSequence: UInt64? = nil, problem: Problem? = nil, headHash: String) {
        self.entriesChecked = entriesChecked
        self.firstBadSequence = firstBadSequence
        self.problem = problem
        self.headHash = headHash
    }
}

/// Walks the chain in pages, keeping only the last hash.
public struct AuditVerifier: Sendable {
    private(set) var checked = 0
    private(set) var previousHash = AuditChain.genesisHash
    private(set) var previousSequence: UInt64 = 0
    private(set) var finding: AuditVerification?

    public init() {}

    /// Feeds the next entries in order; returns false once a problem is found.
    public mutating func feed(_ entries: [AuditEntry]) -> Bool {
        for entry in entries {
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
        }
        return finding == nil
    }

    public var verification: AuditVerification {
        finding ?? AuditVerification(entriesChecked: checked, headHash: previousHash)
    }

    private func result(_ entry: AuditEntry, _ problem: AuditVerification.Problem) -> AuditVerification {
        AuditVerification(entriesChecked: checked, firstBadSequence: entry.sequence, problem: problem, headHash: previousHash)
    }
}
