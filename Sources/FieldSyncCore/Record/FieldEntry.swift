/// One value of a field, tagged with the write that produced it: its dot, its hybrid-clock stamp and
/// the officer who made it (the dot's replica names the device).
/// On the wire: `{"dot": ["T1", 3], "stamp": [wall, logical], "by": "badge", "value": ...}`.
public struct FieldEntry: Hashable, Sendable, Codable {
    /// The write that produced the value (`by`'s device is `dot.replica`). Unique within a field.
    public var dot: Dot
    /// The write's hybrid-clock stamp; orders concurrent values for last-writer-wins.
    public var stamp: HLCTimestamp
    /// The officer who made the write (`by` on the wire).
    public var author: OfficerID
    /// The value written.
    public var value: FieldValue

    /// An entry as given; the core checks it only when a state holding it is validated.
    public init(dot: Dot, stamp: HLCTimestamp, author: OfficerID, value: FieldValue) {
        self.dot = dot
        self.stamp = stamp
        self.author = author
        self.value = value
    }

    enum CodingKeys: String, CodingKey {
        case dot, stamp, author = "by", value
    }

    /// The last-writer-wins order: stamp, then replica id, then counter. Total, and the same everywhere.
    public static func precedesInWriteOrder(_ lhs: FieldEntry, _ rhs: FieldEntry) -> Bool {
        if lhs.stamp != rhs.stamp { return lhs.stamp < rhs.stamp }
        return lhs.dot < rhs.dot
    }
}
