import Crypto
import FieldSyncCore
import Foundation

/// How a signed-in officer's session reaches the other processes of the terminal (the daemon, later
/// `fieldsync record` commands): the unwrapped data key and the officer, in one 0600 file in a 0700
/// directory that must be RAM-only (a tmpfs such as /run/fieldsync): a powered-off terminal has none.
/// Signing out removes it. The file names the store it belongs to, so a session of one store never
/// unlocks another.
struct SessionFile {
    let path: String

    struct Contents: Codable {
        var store: String
        var officer: OfficerID
        var key: String
    }

    init(directory: String, storePath: String) {
        path = directory + "/" + URL(fileURLWithPath: storePath).lastPathComponent + ".session"
    }

    var exists: Bool { FileManager.default.fileExists(atPath: path) }

    func write(storeID: String, officer: OfficerID, key: SymmetricKey) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try PrivateFiles.prepareDirectory(directory)
        let contents = Contents(store: storeID, officer: officer, key: key.withUnsafeBytes { Data($0).base64EncodedString() })
        let data = try JSONEncoder().encode(contents)
        // Written beside and renamed over: a reader never sees half a session.
        let temporary = path + ".new"
        try? FileManager.default.removeItem(atPath: temporary)
        try PrivateFiles.prepareFile(temporary)
        guard let handle = FileHandle(forWritingAtPath: temporary) else { throw StoreError(.io, "cannot write \(temporary)") }
        try handle.write(contentsOf: data)
        try handle.close()
        guard rename(temporary, path) == 0 else { throw StoreError(.io, "cannot install the session \(path) (errno \(errno))") }
    }

    /// The session, or nil when nobody is signed in (or the file is not this store's).
    func read(storeID: String) throws -> (officer: OfficerID, key: SymmetricKey)? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let contents = try? JSONDecoder().decode(Contents.self, from: data),
              let bytes = Data(base64Encoded: contents.key), bytes.count == 32 else {
            throw StoreError(.locked, "the session file \(path) is damaged: sign in again")
        }
        guard contents.store == storeID else { return nil }
        return (contents.officer, SymmetricKey(data: bytes))
    }

    func remove() throws {
        try PrivateFiles.shred(path)
    }
}
