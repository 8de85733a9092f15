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
    /// A receipt number: its value names one record only, among all records of every type (the server
    /// refuses a second record that claims it), and is issued from the creating device's receipt-number
    /// lease (the server refuses a number outside the device's blocks; a terminal issues one when a new
    /// record leaves the field unset). Only an immutable text field can be unique; a type has at most one.
    public let unique: Bool
    /// The schema version that introduced the field: a state of an earlier version that names it is
    /// refused (`unknownField`), as a peer of that version would.
    public let since: Int

    /// A field declaration; the flags default to off. `RecordSchema.init` checks names are unique.
    public init(_ name: String, _ kind: ValueKind, _ policy: MergePolicy, required: Bool = false,
                sensitive: Bool = false, addendum: Bool = false, scope: Bool = false,
                changeLoggedIn: String? = nil, unique: Bool = false, since: Int = 1) {
        if unique {
            guard case .text = kind, case .immutable = policy else {
                preconditionFailure("unique field '\(name)' must be immutable text: a receipt number never changes")
            }
        }
        self.name = name
        self.kind = kind
        self.policy = policy
        self.required = required
        self.sensitive = sensitive
        self.addendum = addendum
        self.scope = scope
        self.changeLoggedIn = changeLoggedIn
        self.unique = unique
        self.since = since
    }
}
