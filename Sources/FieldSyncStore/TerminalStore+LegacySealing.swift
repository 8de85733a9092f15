import FieldSyncCore
import Foundation
import GRDB

/// The v4 migration's data half: a v3 store kept record states, rejected and unanswered states and
/// rejection messages in the clear, with only sensitive values (and the credential, and held records)
/// sealed under a key file lying beside it. Everything is opened with the old key and sealed again
/// under the data key, in the migration's transaction: either the whole store is sealed or none of it.
extension TerminalStore {
    static func sealLegacyContent(_ db: Database, from legacy: FieldCipher, to cipher: FieldCipher,
                                  registry: SchemaRegistry) throws {
        func reseal(_ data: Data, context: String) throws -> Data {
            let old = try StateJSON.decode(data)
            guard let schema = registry[old.type] else {
                throw StoreError(.unknownRecordType, "a v3 state of type '\(old.type)' has no schema here; nothing was sealed")
            }
            let plain = try legacy.openingSensitive(old, schema: schema)
            return try cipher.sealBlob(StateJSON.encode(try cipher.sealingSensitive(plain, schema: schema)), context: context)
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, state FROM record") {
            let id: String = row["id"]
            try db.execute(sql: "UPDATE record SET state = ? WHERE id = ?",
                           arguments: [try reseal(row["state"], context: recordContext(id)), id])
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, recordID, fields, message, localState, serverState FROM rejected_change") {
            let recordID: String = row["recordID"]
            let server = try (row["serverState"] as Data?).map { try reseal($0, context: rejectedContext(recordID, "serverState")) }
            try db.execute(sql: """
                UPDATE rejected_change SET fields = ?, message = ?, localState = ?, serverState = ? WHERE id = ?
                """, arguments: [try cipher.seal(row["fields"], context: rejectedContext(recordID, "fields")),
                                 try cipher.seal(row["message"], context: rejectedContext(recordID, "message")),
                                 try reseal(row["localState"], context: rejectedContext(recordID, "localState")),
                                 server, row["id"] as Int64])
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, recordID, message, sealedState FROM held_record") {
            let recordID: String = row["recordID"]
            let json = try legacy.open(row["sealedState"], context: "held:\(recordID)")
            try db.execute(sql: "UPDATE held_record SET message = ?, sealedState = ? WHERE id = ?", arguments: [
                try cipher.seal(row["message"], context: "held-message:\(recordID)"),
                try cipher.seal(json, context: "held:\(recordID)"), row["id"] as Int64])
        }
        for row in try Row.fetchAll(db, sql: "SELECT position, batchID, sealedState FROM unanswered_push") {
            let position: Int = row["position"]
            try db.execute(sql: "UPDATE unanswered_push SET sealedState = ? WHERE position = ?", arguments: [
                try reseal(row["sealedState"], context: unansweredContext(row["batchID"], position)), position])
        }
        if let row = try Row.fetchOne(db, sql: "SELECT replica, credential FROM identity") {
            let context = "credential/\(row["replica"] as String)"
            try db.execute(sql: "UPDATE identity SET credential = ?", arguments: [
                try cipher.seal(try legacy.open(row["credential"], context: context), context: context)])
        }
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('keyCheck', ?)", arguments: [try cipher.makeKeyCheck()])
    }
}
