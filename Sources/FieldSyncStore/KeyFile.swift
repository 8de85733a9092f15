import Crypto
import Foundation

/// A v3 store's key on disk: one line of base64 holding 32 random bytes, readable by the owner only.
/// Since v4 no key lies on the disk in the clear (see `OfficerKeyring`); this file is read once, to seal a
/// v3 store at rest when its first officer is added, and then destroyed.
enum KeyFile {
    static func load(at path: String) throws -> SymmetricKey {
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw StoreError(.wrongKey, "the key file \(path) cannot be read")
        }
        let text = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: text), bytes.count == 32 else {
            throw StoreError(.wrongKey, "the key file \(path) does not hold a 256-bit key in base64")
        }
        return SymmetricKey(data: bytes)
    }

    /// Writes a new random key; refuses to overwrite an existing file.
    static func create(at path: String) throws -> SymmetricKey {
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw StoreError(.io, "cannot create the key file \(path)")
        }
        return key
    }

    /// Overwrites the key with zeros, flushes, then removes the file: a revoked terminal keeps no key.
    static func destroy(at path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        if let handle = FileHandle(forWritingAtPath: path) {
            let size = (try? handle.seekToEnd()) ?? 64
            try handle.seek(toOffset: 0)
            try handle.write(contentsOf: Data(count: Int(max(size, 64))))
            try handle.synchronize()
            try handle.close()
        }
        try FileManager.default.removeItem(atPath: path)
    }
}
