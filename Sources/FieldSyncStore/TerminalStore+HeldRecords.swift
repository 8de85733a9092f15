import FieldSyncCore
import Foundation
import GRDB

/// Pulled states this version cannot store, kept sealed whole so that moving the checkpoint past them
/// loses nothing (see `apply(page:)`).
extension TerminalStore {
    /// Keeps a pulled state this version cannot store, sealed whole (it may hold personal data of a
    /// type whose sensitive fields this version does not know), so that moving the checkpoint past it
    /// loses nothing.
    func hold(_ state: RecordState, rejection: Rejection, cursor: String, _ db: Database) throws {
        let json = String(decoding: RecordStateJSON.encode(state), as: UTF8.self)
        try db.execute(sql: """
            INSERT INTO held_record (recordID, type, code, message, sealedState, cursor, heldAt)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [state.id.rawValue, state.type.rawValue, rejection.code.rawValue,
                             try cipher.seal(rejection.message, context: "held-message:\(state.id.rawValue)"),
                             try cipher.seal(json, context: "held:\(state.id.rawValue)"), cursor, now()])
    }

    /// Pulled states held back because this version could not store them, oldest first, opened.
    public func heldRecords() throws -> [HeldRecord] {
        try readingContent("reading held records") { db in
            let cipher = try self.cipher
            return try Row.fetchAll(db, sql: "SELECT * FROM held_record ORDER BY id").map { row in
                let id: String = row["recordID"]
                let json = try cipher.open(row["sealedState"], context: "held:\(id)")
                let message = try cipher.open(row["message"], context: "held-message:\(id)")
                return HeldRecord(state: try StateJSON.decode(Data(json.utf8)),
                                  reason: Rejection(RejectionCode(rawValue: row["code"]), message: message),
                                  cursor: row["cursor"], heldAt: row["heldAt"])
            }
        }
    }

    /// How many pulled states are held (no key needed: works while locked).
    public func heldRecordCount() throws -> Int {
        try reading("counting held records") { try Int.fetchOne($0, sql: "SELECT count(*) FROM held_record") ?? 0 }
    }
}
