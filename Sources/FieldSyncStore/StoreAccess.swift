import FieldSyncCore

/// Who opens a terminal store, and so where its data key comes from.
public enum StoreAccess: Sendable {
    /// A new store, with `officer` as the first who may unlock it (a v3 store at the path is sealed
    /// instead, with `StoreKeys.legacyKeyFile`).
    /// - Throws: `.alreadyExists` when the store has a keyring.
    case create(officer: OfficerID, passphrase: String)
    /// An officer signs in: scrypt turns the passphrase into the key that unwraps the data key.
    case signIn(officer: OfficerID, passphrase: String)
    /// The session a signed-in officer left in `StoreKeys.sessionDirectory` (another process of the
    /// terminal signed in).
    /// - Throws: `.locked` when nobody is signed in.
    case session
    /// No key (the daemon while nobody is signed in): only `refreshSession()` and `signIn` work until
    /// an officer signs in; every other call throws `.locked`.
    case locked
}

/// Where a store's sessions live and how officers' keys are derived.
public struct StoreKeys: Sendable, Hashable {
    /// The directory of session files, shared by the terminal's processes; it must be RAM-only (a
    /// tmpfs such as /run/fieldsync) so that a powered-off terminal keeps no session. nil: a signed-in
    /// session lives in this process alone (tests, the demo, the simulator).
    public var sessionDirectory: String?
    /// The scrypt cost of officers added through this store (each keeps the cost it was made with).
    public var cost: KeyDerivationCost
    /// A v3 store's old key file: read once, to seal that store at rest, then destroyed.
    public var legacyKeyFile: String?

    /// Settings as given. The defaults keep sessions in this process and use the `standard` cost.
    public init(sessionDirectory: String? = nil, cost: KeyDerivationCost = .standard, legacyKeyFile: String? = nil) {
        self.sessionDirectory = sessionDirectory
        self.cost = cost
        self.legacyKeyFile = legacyKeyFile
    }
}
