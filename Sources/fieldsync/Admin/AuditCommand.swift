import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import FieldSyncStore
import FieldSyncServer
import Foundation

/// `fieldsync audit verify|checkpoint`: the server's hash-chained, signed audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the server's tamper-evident audit chain.",
        subcommands: [Verify.self, Checkpoint.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the audit chain, its signed checkpoints, the history and every record's state.",
            discussion: """
                Walks the whole chain (no entry altered, removed or inserted), checks every stored checkpoint's \
                Ed25519 signature and hash, every history row against the digests its audit entry chained, and \
                every record's stored state against the join of its history states. With --checkpoint, a \
                checkpoint kept outside the database (from `fieldsync audit checkpoint`, or a terminal's copy) \
                must still be covered by the chain: a deleted tail or a chain recomputed without the key is found \
                even when the stored checkpoints went with it.
                Exit status 0 when everything holds, 1 when something is broken (the first problem is named).

                Examples:
                  FIELDSYNC_ADMIN_TOKEN=... fieldsync audit verify --server https://sync.example:8740
                  fieldsync audit verify --checkpoint /secure/checkpoints/2026-12-03.json
                  fieldsync audit verify --json
                """)

        @OptionGroup var admin: AdminOptions
        @Flag(help: "Print JSON instead of text.") var json = false
        @Option(help: "A checkpoint exported earlier (JSON from `fieldsync audit checkpoint`) that the chain must still cover.")
        var checkpoint: String?

        func run() async throws {
            let client = try admin.client()
            let verification: AuditVerification
            if let checkpoint {
                let known = try AuditCheckpointFile.read(checkpoint)
                verification = try await client.post("/audit/verify", known, as: AuditVerification.self)
            } else {
                verification = try await client.get("/audit/verify", as: AuditVerification.self)
            }
            if json {
                try Output.json(verification)
            } else if let problem = verification.problem {
                var lines = ["BROKEN (\(problem.rawValue)): " + (verification.detail ?? "entry \(verification.firstBadSequence.map(String.init) ?? "?")")]
                if let record = verification.record { lines.append("Record: \(record)" + (verification.historySequence.map { ", change \($0)" } ?? "")) }
                if let sequence = verification.firstBadSequence { lines.append("Audit entry: \(sequence)") }
                lines.append("\(verification.entriesChecked) entries verified before it. Preserve the database and the key file, and report it.")
                Output.lines(lines)
            } else {
                Output.lines([
                    "Intact: \(verification.entriesChecked) entries, each hashing its predecessor; head \(verification.headHash).",
                    "Signed through entry \(verification.signedThrough.map(String.init) ?? "none") (\(verification.checkpointsChecked) checkpoints checked); "
                        + "\(verification.historyRowsChecked) history rows match their entries; \(verification.recordsChecked) record states re-derived"
                        + (verification.recordsNotDerivable > 0 ? " (\(verification.recordsNotDerivable) older records by digest only)." : "."),
                ])
            }
            if verification.problem != nil { throw ExitCode(CLIFailure.failure) }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the latest signed head of the audit chain (JSON), to keep outside the server.",
            discussion: """
                The export holds the audit sequence, the head hash, the time, the key id, the Ed25519 signature \
                and the public key. Keep it where the database's operators cannot write (a ticket, a WORM store, \
                another site); later `fieldsync audit verify --checkpoint FILE` proves the chain still covers it.

                With --terminal-config, exports the checkpoint this terminal keeps instead (verified against the \
                key it learnt at enrollment), without the admin API: a copy the server's operators never held.

                Examples:
                  fieldsync audit checkpoint > /secure/checkpoints/$(date +%F).json
                  fieldsync audit checkpoint --terminal-config /etc/fieldsync/fieldsync-client.json > t-0412.json
                """)

        @OptionGroup var admin: AdminOptions
        @Flag(help: "Accepted for scripts: the export is JSON either way.") var json = false
        @Option(help: "Export the checkpoint kept by the terminal of this configuration file instead of the server's.")
        var terminalConfig: String?

        func run() async throws {
            guard let terminalConfig else {
                try Output.json(try await admin.client().get("/audit/checkpoint", as: AuditCheckpointExport.self))
                return
            }
            let store = try TerminalSession(config: try ClientConfig.load(path: terminalConfig), registry: FieldSyncCommand.registry).store
            if let warning = try store.auditCheckpointWarning {
                Output.progress("warning: the terminal refused a checkpoint (\(warning.problem.rawValue)) at sequence \(warning.checkpoint.sequence)")
            }
            guard let checkpoint = try store.auditCheckpoint else {
                throw CLIFailure(CLIFailure.notFound, "this terminal keeps no audit checkpoint yet (it syncs one from a signing server)")
            }
            try Output.json(AuditCheckpointExport(checkpoint: checkpoint, publicKey: try store.auditPublicKey))
        }
    }
}

/// Reads a checkpoint file: an export (`{"checkpoint": ..., "publicKey": ...}`) or a bare checkpoint.
enum AuditCheckpointFile {
    static func read(_ path: String) throws -> AuditCheckpointExport {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CLIFailure(CLIFailure.usage, "cannot read --checkpoint \(path): \(error.localizedDescription)")
        }
        if let export = try? JSONDecoder().decode(AuditCheckpointExport.self, from: data), export.checkpoint != nil {
            return export
        }
        if let bare = try? JSONDecoder().decode(AuditCheckpoint.self, from: data) {
            return AuditCheckpointExport(checkpoint: bare, publicKey: nil)
        }
        throw CLIFailure(CLIFailure.usage, "\(path) holds no audit checkpoint (export one with `fieldsync audit checkpoint`)")
    }
}
