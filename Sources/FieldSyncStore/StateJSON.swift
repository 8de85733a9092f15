import FieldSyncCore
import Foundation

/// The JSON of a stored record state: the core's direct writer and reader (Foundation's coders take
/// about 110 µs per state, which alone would cap pulled pages at ~9,000 records/s), with read failures
/// reported as a damaged store.
enum StateJSON {
    static func encode(_ state: RecordState) -> Data { RecordStateJSON.encode(state) }

    /// A stored state that does not read back is a damaged store, not a bad request.
    static func decode(_ data: Data) throws -> RecordState {
        do {
            return try RecordStateJSON.decode(data)
        } catch {
            throw StoreError(.corrupted, "a stored record state is not valid: \(error.message)")
        }
    }
}
