/// One field of a record type: its value kind, merge policy and handling rules.
public struct FieldSchema: Sendable, Hashable {
    /// The field's name on the wire, unique within its record type (ASCII: names compare by bytes).
    public let name: String
    /// What each new value must be (`invalidValue` otherwise).
    public let kind: ValueKind
    /// How concurrent values decide the effective value, and which operations apply.
    public let policy: MergePolicy
    /// Must hold a value from creation on.
    public let required: Bool
    /// Personal data: encrypted at rest on terminals, and reading it as an administrator is audited.
    public let sensitive: Bool
    /// May still change after the record is locked (notes, addenda).
    public let addendum: Bool
    /// Its values are units whose terminals may see the record.
    public let scope: Bool
    /// An append-log field that must gain an entry whenever this field changes after creation
    /// (a jurisdiction moves only with a transfer-log entry).
    public let changeLoggedIn: String?

    /// A field declaration; the flags default to off. `RecordSchema.init` checks names are unique.
    public init(_ name: String, _ kind: ValueKind, _ policy: MergePolicy, required: Bool = false,
                sensitive: Bool = false, addendum: Bool = false, scope: Bool = false,
                changeLoggedIn: String? = nil) {
        self.name = name
        self.kind = kind
        self.policy = policy
        self.required = required
        self.sensitive = sensitive
        self.addendum = addendum
        self.scope = scope
        self.changeLoggedIn = changeLoggedIn
    }
}
