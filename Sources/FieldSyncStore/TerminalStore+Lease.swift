import FieldSyncCore
import GRDB

/// Receipt numbers (an incident report's, or any type's unique field: `FieldSchema.unique`), issued
/// offline from blocks the server leased to this terminal alone.
/// Blocks are used in the order they were saved; a number is issued at most once because issuing
/// advances the block in the same transaction that stores the report.
extension TerminalStore {
    /// Saves a block from enrollment or `POST /v1/lease`. Saving the same block again changes nothing.
    public func saveLease(_ lease: ReceiptLease) throws {
        try writing("saving a receipt lease") { db in try insertLease(lease, db) }
    }

    func insertLease(_ lease: ReceiptLease, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO receipt_lease (prefix, first, last, next) VALUES (?, ?, ?, ?) ON CONFLICT (prefix, first) DO NOTHING
            """, arguments: [lease.prefix, lease.first, lease.last, lease.first])
    }

    /// Issues the next receipt number on its own (e.g. for a paper form); `createIncidentReport` and
    /// `create` issue one themselves.
    /// - Throws: `.leaseExhausted` when every leased number is used, `.noLease` before any lease.
    public func issueReceiptNumber() throws -> String {
        try writing("issuing a receipt number") { db in try issueReceiptNumber(db) }
    }

    func issueReceiptNumber(_ db: Database) throws -> String {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT id, prefix, first, last, next FROM receipt_lease WHERE next <= last ORDER BY id LIMIT 1
            """) else {
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM receipt_lease") == true {
                throw StoreError(.leaseExhausted,
                                 "every leased receipt number has been issued; sync to receive a new block before taking more reports")
            }
            throw StoreError(.noLease, "no receipt numbers have been leased to this terminal; enroll or sync first")
        }
        let lease = ReceiptLease(prefix: row["prefix"], first: row["first"], last: row["last"])
        let number: Int64 = row["next"]
        try db.execute(sql: "UPDATE receipt_lease SET next = next + 1 WHERE id = ?", arguments: [row["id"] as Int64])
        return lease.receiptNumber(number)
    }

    /// How many receipt numbers are left, whether to ask for more, and the next one. Needs no sign-in.
    /// - Throws: `StoreError` `.wiped`, `.io`.
    public var leaseStatus: LeaseStatus {
        get throws {
            try reading("reading the receipt lease") { db in
                let remaining = try Int64.fetchOne(db, sql: "SELECT coalesce(sum(last - next + 1), 0) FROM receipt_lease WHERE next <= last") ?? 0
                let next = try Row.fetchOne(db, sql: """
                    SELECT prefix, first, last, next FROM receipt_lease WHERE next <= last ORDER BY id LIMIT 1
                    """).map { row in
                    ReceiptLease(prefix: row["prefix"], first: row["first"], last: row["last"]).receiptNumber(row["next"])
                }
                return LeaseStatus(remaining: remaining, runningLow: remaining <= leaseLowWater, next: next)
            }
        }
    }
}
