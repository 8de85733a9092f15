import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import FieldSyncStore
import Foundation

/// The exit statuses of every command (listed in `fieldsync --help`), and how an error becomes one:
/// a status a script can branch on, and a message that says what to do next.
struct CLIFailure: Error, CustomStringConvertible {
    static let failure: Int32 = 1
    static let usage: Int32 = 2
    static let notFound: Int32 = 3
    static let refused: Int32 = 4
    static let unreachable: Int32 = 5

    static let helpText = """
        Exit status: 0 success; 1 failure (or the demo did not converge); 2 usage or configuration error; \
        3 not found; 4 refused by the rules, a conflict waits for a person, or a deadline is overdue; 5 \
        server unreachable or busy: try again later.
        """

    var status: Int32
    var description: String

    init(_ status: Int32, _ message: String) {
        self.status = status
        description = message
    }

    /// `error` as an exit status and a message for a person.
    static func describing(_ error: any Error) -> CLIFailure {
        switch error {
        case let failure as CLIFailure:
            return failure
        case let error as ClientError:
            switch error.code {
            case .unreachable:
                return CLIFailure(unreachable, "\(error.message)\nNothing was lost: the outbox is kept. Check the network and try again.")
            case .server where error.isTransient:
                let wait = error.retryAfterSeconds.map { " in \($0) s" } ?? " later"
                return CLIFailure(unreachable, "the server is busy (\(error.message)): try again\(wait).")
            case .server where error.protocolError?.code == .notFound:
                return CLIFailure(notFound, error.message)
            case .server where [.unauthenticated, .forbidden].contains(error.protocolError?.code):
                return CLIFailure(failure, "\(error.message)\nCheck the admin token (--admin-token or FIELDSYNC_ADMIN_TOKEN).")
            case .revoked:
                return CLIFailure(failure, "this terminal was revoked and its store has been wiped (\(error.message)). "
                    + "To use it again, enroll it with a new token in a fresh store.")
            case .configuration:
                return CLIFailure(usage, error.message)
            case .server, .malformedResponse, .notEnrolled:
                return CLIFailure(failure, error.description)
            }
        case let error as StoreError:
            switch error.code {
            case .notFound: return CLIFailure(notFound, error.message + "\nList records with `fieldsync record list`.")
            case .wiped: return CLIFailure(failure, "this store was wiped after a revocation; enroll again with a new store.")
            case .notEnrolled:
                return CLIFailure(failure, "this terminal is not enrolled: put an enrollmentToken in the configuration and run `fieldsync sync`.")
            case .wrongKey: return CLIFailure(failure, error.description + "\nCheck storePath in the configuration: its keyring must lie beside it.")
            case .locked: return CLIFailure(failure, error.message)
            case .noStore: return CLIFailure(notFound, error.message)
            case .wrongPassphrase, .unknownOfficer, .wrongOfficer, .lastOfficer, .alreadyExists:
                return CLIFailure(refused, error.message)
            case .legacyStore: return CLIFailure(failure, error.message + "\n(the old key file is keyFile in the configuration)")
            default: return CLIFailure(failure, error.description)
            }
        case let rejection as Rejection:
            return CLIFailure(refused, "the rules refuse this write: \(rejection)")
        default:
            return CLIFailure(failure, String(describing: error))
        }
    }
}
