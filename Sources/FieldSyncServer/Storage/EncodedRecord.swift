import FieldSyncCore
import Foundation

/// One pushed record's JSON and its SHA-256 (hex).
public struct EncodedRecord: Sendable {
    public var json: Data
    public var sha256: String

    public init(json: Data, sha256: String) {
        self.json = json
        self.sha256 = sha256
    }
}
