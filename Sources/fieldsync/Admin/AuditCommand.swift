import ArgumentParser
import FieldSyncServer
import Foundation

/// `fieldsync audit verify`: walks the server's hash-chained audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the server's tamper-evident audit chain.",
        subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify that no audit entry was altered, removed or inserted.",
            discussion: """
                Exit status 0 when the chain is intact, 1 when it is broken (the first bad entry is named).

                Examples:
                  FIELDSYNC_ADMIN_TOKEN=... fieldsync audit verify --server https://sync.example:8740
                  fieldsync audit verify --json
                """)

        @OptionGroup var admin: AdminOptions

        func run() async throws {
            let verification = try await admin.client().get("/audit/verify", as: AuditVerification.self)
            if admin.json {
                try Output.json(verification)
            } else if let problem = verification.problem {
                Output.lines(["BROKEN: entry \(verification.firstBadSequence.map(String.init) ?? "?") is \(problem.rawValue) "
                    + "(\(verification.entriesChecked) entries checked before it). Preserve the database and report it."])
            } else {
                Output.lines(["Intact: \(verification.entriesChecked) entries, each hashing its predecessor; head \(verification.headHash)."])
            }
            if verification.problem != nil { throw ExitCode(CLIFailure.failure) }
        }
    }
}
