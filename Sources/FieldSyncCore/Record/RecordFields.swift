/// A record's fields: field name to the values it holds, kept sorted by name (byte order).
///
/// A small sorted array rather than a `Dictionary`: records have about twenty fields, and the join
/// walks two of them side by side with no hashing at all (hashing field names was most of the cost of a
/// join). Names sort by bytes. Reads like a dictionary.
public struct RecordFields: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: [FieldEntry])

    public private(set) var elements: [Element]

    public init() { elements = [] }

    public init(_ dictionary: [String: [FieldEntry]]) {
        elements = dictionary.map { (key: $0.key, value: $0.value) }.sorted { Self.precedes($0.key, $1.key) }
    }

    public init(dictionaryLiteral pairs: (String, [FieldEntry])...) {
        self.init(Dictionary(pairs, uniquingKeysWith: { _, last in last }))
    }

    /// From elements already sorted by name with no name repeated (the join's output).
    init(sorted elements: [Element]) { self.elements = elements }

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

    @discardableResult
    public mutating func removeValue(forKey name: String) -> [FieldEntry]? {
        let value = self[name]
        self[name] = nil
        return value
    }

    public var keys: [String] { elements.map(\.key) }
    public var values: [[FieldEntry]] { elements.map(\.value) }
    public var count: Int { elements.count }
    public var isEmpty: Bool { elements.isEmpty }

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
    public static func == (lhs: RecordFields, rhs: RecordFields) -> Bool {
        lhs.elements.count == rhs.elements.count
            && zip(lhs.elements, rhs.elements).allSatisfy { same($0.key, $1.key) && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for element in elements {
            hasher.combine(element.key)
            hasher.combine(element.value)
        }
    }
}

extension RecordFields: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([String: [FieldEntry]].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: elements.map { ($0.key, $0.value) }))
    }
}
