import FieldSyncCore
import GRDB

/// An operating failure of the terminal store: the module's one error type, modelled on GRDB's
/// `DatabaseError` (a code to switch on, a sentence for a person, and the underlying cause).
///
/// Invalid writes are not operating failures: they throw the core's `Rejection` unchanged, so the
/// caller sees the same reason the server would give.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A kind of failure, to compare with the constants below (`error.code == .locked`). Later
    /// versions may add codes.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's name, e.g. `wrongPassphrase`.
        public let rawValue: String
        /// Any code; the store throws only those below.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's name.
        public var description: String { rawValue }

        /// The file was written by a newer version of FieldSync; it was left untouched.
        public static let newerSchema = Code(rawValue: "newerSchema")
        /// The data key (from the keyring or a session), or a v3 store's old key file, is not the key the
        /// store was written with; or the store's keyring is missing.
        public static let wrongKey = Code(rawValue: "wrongKey")
        /// The file is not a FieldSync store, or SQLite found it damaged.
        public static let corrupted = Code(rawValue: "corrupted")
        /// The disk (or the store's page limit) is full; the write was rolled back.
        public static let diskFull = Code(rawValue: "diskFull")
        /// Every receipt number of the leased block has been issued; sync to get a new block.
        public static let leaseExhausted = Code(rawValue: "leaseExhausted")
        /// No receipt-number lease has been saved yet.
        public static let noLease = Code(rawValue: "noLease")
        /// No such record (or rejected change).
        public static let notFound = Code(rawValue: "notFound")
        /// The terminal has no identity yet: enroll it first.
        public static let notEnrolled = Code(rawValue: "notEnrolled")
        /// The terminal is already enrolled; a replica id is written once and never replaced.
        public static let alreadyEnrolled = Code(rawValue: "alreadyEnrolled")
        /// The store was wiped; nothing can be read or written any more.
        public static let wiped = Code(rawValue: "wiped")
        /// A record type this store has no schema for.
        public static let unknownRecordType = Code(rawValue: "unknownRecordType")
        /// The sync engine handed the store inconsistent input (e.g. results not matching the push).
        public static let invalidSyncInput = Code(rawValue: "invalidSyncInput")
        /// Nobody is signed in: the data key is not available, so no record can be read or written.
        public static let locked = Code(rawValue: "locked")
        /// The officer's PIN or passphrase does not unwrap the data key; nothing was changed.
        public static let wrongPassphrase = Code(rawValue: "wrongPassphrase")
        /// The officer has no entry in the terminal's keyring: a signed-in officer must add them.
        public static let unknownOfficer = Code(rawValue: "unknownOfficer")
        /// A write names another officer than the one signed in.
        public static let wrongOfficer = Code(rawValue: "wrongOfficer")
        /// The last officer of the keyring cannot be removed: nobody could unlock the terminal.
        public static let lastOfficer = Code(rawValue: "lastOfficer")
        /// A store (or officer) that already exists was to be created.
        public static let alreadyExists = Code(rawValue: "alreadyExists")
        /// No store at this path: create it with its first officer.
        public static let noStore = Code(rawValue: "noStore")
        /// A store written before records were sealed at rest (schema v3, with a key file): it is sealed
        /// when its first officer is added with the old key file; until then it is refused, unchanged.
        public static let legacyStore = Code(rawValue: "legacyStore")
        /// The store's directory is shared with other users and cannot be made private.
        public static let insecurePermissions = Code(rawValue: "insecurePermissions")
        /// Any other SQLite or file-system failure.
        public static let io = Code(rawValue: "io")
    }

    /// What kind of failure: the code to switch on.
    public var code: Code
    /// What went wrong and, where it helps, what to do.
    public var message: String
    /// The underlying failure, described (GRDB or Foundation errors are not `Hashable`).
    public var underlying: String?

    /// An error of `code`; `underlying` is kept as its description only.
    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying.map { String(describing: $0) }
    }

    /// `code: message`, then the underlying failure in parentheses when there is one.
    public var description: String {
        underlying.map { "\(code): \(message) (\($0))" } ?? "\(code): \(message)"
    }
}

extension StoreError {
    /// Translates a failure from GRDB or the file system into a `StoreError`; `Rejection`s and
    /// `StoreError`s pass through unchanged.
    static func wrapping(_ error: any Error, while doing: String) -> any Error {
        switch error {
        case is StoreError, is Rejection:
            return error
        case let error as DatabaseError:
            switch error.resultCode {
            case .SQLITE_FULL:
                return StoreError(.diskFull, "\(doing): the disk or the store's size limit is full; nothing was written",
                                  underlying: error)
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return StoreError(.corrupted, "\(doing): the store file is damaged or not a FieldSync store",
                                  underlying: error)
            default:
                return StoreError(.io, "\(doing) failed", underlying: error)
            }
        default:
            return StoreError(.io, "\(doing) failed", underlying: error)
        }
    }
}
