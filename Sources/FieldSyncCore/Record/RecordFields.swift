/// A record's fields: field name to the values it holds, kept sorted by name (byte order).
///
/// A small sorted array rather than a `Dictionary`: records have about twenty fields, and the join
/// walks two of them side by side with no hashing at all (hashing field names was most of the cost of a
/// join). Names sort by bytes. Reads like a dictionary.
public struct RecordFields: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// A field name and the entries it holds (never empty in a well-formed state).
    public typealias Element = (key: String, value: [FieldEntry])

    /// The fields, sorted by name with no name repeated.
    public private(set) var elements: [Element]

    /// No fields.
    public init() { elements = [] }

    /// The fields of `dictionary`, sorted by name. Entries are kept as given (empty lists included).
    public init(_ dictionary: [String: [FieldEntry]]) {
        elements = dictionary.map { (key: $0.key, value: $0.value) }.sorted { Self.precedes($0.key, $1.key) }
    }

    /// The fields of the literal; a name given twice keeps its last entries.
    public init(dictionaryLiteral pairs: (String, [FieldEntry])...) {
        self.init(Dictionary(pairs, uniquingKeysWith: { _, last in last }))
    }

    /// From elements already sorted by name with no name repeated (the join's output).
    init(sorted elements: [Element]) { self.elements = elements }

    /// The entries of field `name`, or nil when the field is absent.
    ///
    /// Setting nil removes the field; setting a list inserts it at its sorted place or replaces it.
    public subscript(name: String) -> [FieldEntry]? {
        get {
            for element in elements where Self.same(element.key, name) { return element.value }
            return nil
        }
        set {
            let index = elements.firstIndex { !Self.precedes($0.key, name) } ?? elements.endIndex
            let present = index < elements.endIndex && Self.same(elements[index].key, name)
            switch (newValue, present) {
            case (let value?, true): elements[index].value = value
            case (let value?, false): elements.insert((key: name, value: value), at: index)
            case (nil, true): elements.remove(at: index)
            case (nil, false): break
            }
        }
    }

    /// Removes field `name`.
    /// - Returns: the entries it held, or nil when it was absent.
    @discardableResult
    public mutating func removeValue(forKey name: String) -> [FieldEntry]? {
        let value = self[name]
        self[name] = nil
        return value
    }

    /// The field names, sorted.
    public var keys: [String] { elements.map(\.key) }
    /// The entries of each field, in the order of `keys`.
    public var values: [[FieldEntry]] { elements.map(\.value) }
    /// How many fields hold values.
    public var count: Int { elements.count }
    /// True when no field holds a value.
    public var isEmpty: Bool { elements.isEmpty }

    /// Iterates the fields in name order.
    public func makeIterator() -> IndexingIterator<[Element]> { elements.makeIterator() }

    /// Name equality. `==` is Unicode equivalence, which for ASCII (every schema field name, and every
    /// name a well-formed state may hold: see `wellFormednessProblem`) is byte equality, and it is
    /// much faster than comparing UTF-8 views.
    @inline(__always)
    static func same(_ a: String, _ b: String) -> Bool { a == b }

    @inline(__always)
    static func precedes(_ a: String, _ b: String) -> Bool {
        a < b  // byte order for ASCII names, like `same`
    }
}

extension RecordFields: Hashable {
    /// Same names with the same entries, in the same (sorted) order.
    public static func == (lhs: RecordFields, rhs: RecordFields) -> Bool {
        lhs.elements.count == rhs.elements.count
            && zip(lhs.elements, rhs.elements).allSatisfy { same($0.key, $1.key) && $0.value == $1.value }
    }

    /// Hashes names and entries in name order, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        for element in elements {
            hasher.combine(element.key)
            hasher.combine(element.value)
        }
    }
}

extension RecordFields: Codable {
    /// Decodes the wire form, a JSON object of field name to entry array.
    /// - Throws: `DecodingError`.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([String: [FieldEntry]].self))
    }

    /// Encodes the wire form: a JSON object of field name to entry array.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: elements.map { ($0.key, $0.value) }))
    }
}
