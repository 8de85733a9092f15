import Crypto
import FieldSyncCore
import Foundation
import GRDB

/// The terminal's copy of the server's signed audit head (SPEC §8.7). The terminal learns the server's
/// public key at enrollment and keeps the latest checkpoint that verifies, in the `meta` table: a copy
/// outside the server's database, which `fieldsync audit verify --checkpoint` can later hold the server's
/// chain against. A checkpoint that does not verify, or that goes backwards, is not kept: it is reported
/// and remembered as a warning, and sync goes on.
extension TerminalStore {
    /// Keeps the server's checkpoint key (raw 32-byte Ed25519 public key, base64) from enrollment.
    /// Replaces any key kept before, so call it at enrollment only: SPEC §8.7 has a terminal accept no
    /// key from a later message. Needs no sign-in.
    /// - Throws: `StoreError` `.wiped`, `.diskFull`, `.io`.
    public func saveAuditPublicKey(_ publicKey: String) throws {
        try writing("saving the server's audit key") { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('auditPublicKey', ?)", arguments: [publicKey])
        }
    }

    /// The server's checkpoint key kept from enrollment, nil when the server signed none (or before
    /// enrollment). Needs no sign-in.
    /// - Throws: `StoreError` `.wiped`, `.io`.
    public var auditPublicKey: String? {
        get throws { try reading("reading the server's audit key") { db in try Self.meta("auditPublicKey", db) } }
    }

    /// The latest verified checkpoint, nil before the first.
    public var auditCheckpoint: AuditCheckpoint? {
        get throws {
            try reading("reading the audit checkpoint") { db in try Self.meta("auditCheckpoint", db).flatMap(Self.decode) }
        }
    }

    /// The last checkpoint refused, and why, nil when none was.
    public var auditCheckpointWarning: AuditCheckpointWarning? {
        get throws {
            try reading("reading the audit checkpoint warning") { db in try Self.meta("auditCheckpointWarning", db).flatMap(Self.decode) }
        }
    }

    /// Verifies `checkpoint` against the server's key and the checkpoint kept so far, and keeps it when it
    /// is newer. Never throws for a bad checkpoint (only for a failing store): the problem is the answer,
    /// and is kept as `auditCheckpointWarning`.
    @discardableResult
    public func keepAuditCheckpoint(_ checkpoint: AuditCheckpoint) throws -> AuditCheckpointOutcome {
        let warnedAt = now()
        return try writing("keeping the audit checkpoint") { db in
            let kept = try Self.meta("auditCheckpoint", db).flatMap { (text: String) -> AuditCheckpoint? in Self.decode(text) }
            let outcome = Self.judge(checkpoint, kept: kept, publicKey: try Self.meta("auditPublicKey", db))
            switch outcome {
            case .kept:
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('auditCheckpoint', ?)",
                               arguments: [try Self.encode(checkpoint)])
            case .unchanged:
                break
            case .refused(let problem):
                let warning = AuditCheckpointWarning(problem: problem, checkpoint: checkpoint, kept: kept, at: warnedAt)
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('auditCheckpointWarning', ?)",
                               arguments: [try Self.encode(warning)])
            }
            return outcome
        }
    }

    static func judge(_ checkpoint: AuditCheckpoint, kept: AuditCheckpoint?, publicKey: String?) -> AuditCheckpointOutcome {
        guard let publicKey else { return .refused(.noKey) }
        guard Self.verifies(checkpoint, publicKey: publicKey) else { return .refused(.badSignature) }
        guard let kept else { return .kept }
        if checkpoint.sequence < kept.sequence { return .refused(.wentBackwards) }
        if checkpoint.sequence == kept.sequence {
            return checkpoint.headHash == kept.headHash ? .unchanged : .refused(.forked)
        }
        return .kept
    }

    /// SPEC §8.7: the key id is the first 16 hex digits of SHA-256 of the raw public key, and the signature
    /// is Ed25519 over `signedMessage`.
    static func verifies(_ checkpoint: AuditCheckpoint, publicKey: String) -> Bool {
        guard let raw = Data(base64Encoded: publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
              let signature = Data(base64Encoded: checkpoint.signature) else { return false }
        let keyID = SHA256.hash(data: raw).prefix(8).map { String(format: "%02x", $0) }.joined()
        return checkpoint.keyID == keyID && key.isValidSignature(signature, for: checkpoint.signedMessage)
    }

    private static func meta(_ key: String, _ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
    }

    private static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    private static func decode<T: Decodable>(_ text: String) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

/// What became of a checkpoint the server handed over.
public enum AuditCheckpointOutcome: Hashable, Sendable {
    /// It verified and is newer than the one kept: it is kept now.
    case kept
    /// It is the one already kept.
    case unchanged
    /// It was not kept.
    case refused(AuditCheckpointProblem)
}

/// Why a checkpoint was refused; the raw value is what `fieldsync status` and logs show.
public enum AuditCheckpointProblem: String, Hashable, Sendable, Codable {
    /// The terminal has no server key (enrolled before the server signed checkpoints).
    case noKey
    /// Not signed by the server's key (or naming another key).
    case badSignature
    /// A lower sequence than the checkpoint kept: the server's chain lost entries, or this is a replay.
    case wentBackwards
    /// The same sequence as the one kept with another hash: the chain was rewritten.
    case forked
}

/// A refused checkpoint, kept for `fieldsync status` and for whoever investigates.
public struct AuditCheckpointWarning: Hashable, Sendable, Codable {
    /// Why it was refused.
    public var problem: AuditCheckpointProblem
    /// The refused checkpoint, as the server sent it.
    public var checkpoint: AuditCheckpoint
    /// The checkpoint kept when it was refused.
    public var kept: AuditCheckpoint?
    /// The terminal's time (milliseconds since 1970).
    public var at: Int64
}
