import FieldSyncCore

/// Open deadlines as `cases due` and `admin cases overdue` print them.
enum DeadlineText {
    /// Two lines per deadline (record ids and receipt numbers are long for a table), then what each rule
    /// listed asks.
    static func rows(_ open: [DueDeadline], registry: SchemaRegistry, now: Int64) -> [String] {
        let rows = open.flatMap { row in
            let state = row.status.outcome == .overdue
                ? "OVERDUE by \(DurationArgument.text(now - row.status.dueAt))"
                : "due in \(DurationArgument.text(row.status.dueAt - now))"
            return ["", "\(state): \(row.status.deadline), due \(Text.time(row.status.dueAt))",
                    "  record \(row.record.rawValue)" + (row.receipt.map { ", receipt \($0)" } ?? "")
                        + ", " + row.units.map(\.rawValue).joined(separator: " ")]
        }
        let rules = Set(open.map(\.status.deadline)).sorted().compactMap { name in
            open.first { $0.status.deadline == name }.flatMap { registry[$0.type]?.deadline(name) }
        }
        return rows + [""] + rules.map { "\($0.name): \($0.summary)." }
    }
}
