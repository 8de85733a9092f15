import FieldSyncCore

/// Every write a terminal store accepted during a run, with the record as the writer saw it before and
/// as the write left it: what the invariants hold the final states to.
struct SimulationLedger {
    struct Write {
        var terminal: String
        var replica: ReplicaID
        var label: String
        var before: RecordState?
        var after: RecordState

        var record: RecordID { after.id }

        /// The dots the write took (usually one; a write adding several values takes one per value).
        var dots: [Dot] {
            let from = (before?.context[replica] ?? 0) + 1
            let to = after.context[replica]
            return from <= to ? (from...to).map { Dot(replica, $0) } : []
        }

        /// The values the write made, by field.
        var entries: [(field: String, entry: FieldEntry)] {
            let dots = Set(self.dots)
            return after.fields.flatMap { field, entries in
                entries.filter { dots.contains($0.dot) }.map { (field: field, entry: $0) }
            }
        }

        /// Whether this write saw `entry` in `field` and dropped it.
        func dropped(_ entry: FieldEntry, in field: String) -> Bool {
            before?.entries(field).contains(entry) == true && !after.entries(field).contains(entry)
        }

        var receiptNumber: String? {
            guard before == nil, after.type == .incidentReport else { return nil }
            return after.entries("receiptNumber").first?.value.stringValue
        }
    }

    private(set) var writes: [Write] = []
    private var byRecord: [RecordID: [Int]] = [:]

    mutating func record(_ write: Write) {
        byRecord[write.record, default: []].append(writes.count)
        writes.append(write)
    }

    func writes(to record: RecordID) -> [Write] { (byRecord[record] ?? []).map { writes[$0] } }
}
