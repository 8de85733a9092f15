import Crypto
import FieldSyncCore
import Foundation

/// The store's AES-GCM sealing under the data key (DEK). Every stored state is sealed whole (`sealBlob`:
/// nothing of a record but its index columns is readable at rest), bound to its row as authenticated
/// data, so a blob copied into another row fails to open instead of silently moving personal data around.
///
/// Record rows are written with one seal per state (`stateBlobVersion`). Rows written before that, and
/// rejected and held states, also seal the values of sensitive fields (FieldSchema.sensitive) one by one
/// inside the blob, each bound to its record, field and dot (`sealingSensitive`); they are still read.
///
/// `@unchecked Sendable`: swift-crypto does not mark `SymmetricKey` Sendable on Linux, but it is an
/// immutable value (a copy-on-write byte buffer that nothing here mutates after creation).
struct FieldCipher: @unchecked Sendable {
    let key: SymmetricKey

    /// Marks a sealed value inside a stored state: `enc:v1:` then base64 of nonce, ciphertext and tag.
    static let prefix = "enc:v1:"
    private static let keyCheckPlaintext = Data("FieldSync terminal store key check v1".utf8)
    private static let keyCheckContext = Data("keyCheck".utf8)

    /// A value that proves, without revealing the key, which key wrote the store.
    func makeKeyCheck() throws -> String {
        try AES.GCM.seal(Self.keyCheckPlaintext, using: key, authenticating: Self.keyCheckContext)
            .combined!.base64EncodedString()
    }

    func verifies(keyCheck: String) -> Bool {
        guard let data = Data(base64Encoded: keyCheck), let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: key, authenticating: Self.keyCheckContext) else { return false }
        return plain == Self.keyCheckPlaintext
    }

    /// Marks a whole sealed blob (a record state, a rejected or unanswered state): version byte 1, then
    /// nonce, ciphertext and tag. JSON starts with `{`, so a blob stored unsealed is never taken for one.
    /// A record state under this version has its sensitive values sealed again inside.
    static let blobVersion: UInt8 = 1
    /// A record state sealed once, whole, with nothing sealed inside: what record rows are written as.
    /// The version is authenticated too (`#v2` after the context), so rewriting the byte of a stored
    /// blob makes it fail to open rather than be read the other way.
    static let stateBlobVersion: UInt8 = 2

    /// A whole stored value (the JSON of a record state) sealed and bound to `context`, e.g.
    /// `record/<id>`: a blob moved to another row fails to open.
    func sealBlob(_ plain: Data, context: String, version: UInt8 = blobVersion) throws -> Data {
        var sealed = Data([version])
        sealed.append(try AES.GCM.seal(plain, using: key, authenticating: Self.authenticated(context, version)).combined!)
        return sealed
    }

    func openBlob(_ sealed: Data, context: String) throws -> Data {
        try openVersionedBlob(sealed, context: context).plain
    }

    /// The plaintext of a blob of either version, and which version it was sealed as.
    func openVersionedBlob(_ sealed: Data, context: String) throws -> (plain: Data, version: UInt8) {
        guard let version = sealed.first, version == Self.blobVersion || version == Self.stateBlobVersion else {
            throw StoreError(.corrupted, "\(context): a stored state is not sealed")
        }
        guard let box = try? AES.GCM.SealedBox(combined: sealed.dropFirst()),
              let plain = try? AES.GCM.open(box, using: key, authenticating: Self.authenticated(context, version)) else {
            throw StoreError(.corrupted, "\(context): a sealed state does not open (tampered, or written under another key)")
        }
        return (plain, version)
    }

    private static func authenticated(_ context: String, _ version: UInt8) -> Data {
        Data((version == blobVersion ? context : context + "#v" + String(version)).utf8)
    }

    /// A free-standing secret (the device credential), bound to `context`.
    func seal(_ secret: String, context: String) throws -> String {
        try AES.GCM.seal(Data(secret.utf8), using: key, authenticating: Data(context.utf8)).combined!.base64EncodedString()
    }

    func open(_ sealed: String, context: String) throws -> String {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: key, authenticating: Data(context.utf8)),
              let secret = String(data: plain, encoding: .utf8) else {
            throw StoreError(.wrongKey, "a sealed secret does not open with this key")
        }
        return secret
    }

    /// `state` with the value of every entry of a sensitive field sealed, except the entries whose dots
    /// `sealed` holds: those came from `sealed` by a join and are sealed already.
    func sealingSensitive(_ state: RecordState, schema: RecordSchema, alreadySealedIn sealed: RecordState? = nil) throws -> RecordState {
        try transformingSensitive(state, schema: schema, skipping: sealed) { entry, context in
            let plain = try Self.plaintext(of: entry.value)
            let sealed = try AES.GCM.seal(plain, using: key, authenticating: context).combined!
            return .string(Self.prefix + sealed.base64EncodedString())
        }
    }

    /// `state` with every sealed value opened. A value that does not open means the wrong key or a
    /// tampered file: both are reported, never papered over.
    func openingSensitive(_ state: RecordState, schema: RecordSchema) throws -> RecordState {
        try transformingSensitive(state, schema: schema) { entry, context in
            guard case .string(let text) = entry.value, text.hasPrefix(Self.prefix) else {
                throw StoreError(.corrupted, "record \(state.id): a sensitive value is stored unsealed")
            }
            guard let data = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))),
                  let box = try? AES.GCM.SealedBox(combined: data),
                  let plain = try? AES.GCM.open(box, using: key, authenticating: context) else {
                throw StoreError(.corrupted, "record \(state.id): a sealed value does not open (tampered, or written under another key)")
            }
            return try Self.value(fromPlaintext: plain)
        }
    }

    // Sensitive values are nearly always text: those are sealed as `s` + UTF-8, skipping a JSON encoder
    // per value on the hot path of pulled pages; anything else as `j` + JSON.
    private static func plaintext(of value: FieldValue) throws -> Data {
        if case .string(let text) = value { return Data([UInt8(ascii: "s")] + Array(text.utf8)) }
        return Data([UInt8(ascii: "j")]) + (try JSONEncoder().encode(value))
    }

    private static func value(fromPlaintext plain: Data) throws -> FieldValue {
        switch plain.first {
        case UInt8(ascii: "s"): return .string(String(decoding: plain.dropFirst(), as: UTF8.self))
        case UInt8(ascii: "j"): return try JSONDecoder().decode(FieldValue.self, from: plain.dropFirst())
        default: throw StoreError(.corrupted, "a sealed value has an unknown encoding")
        }
    }

    private func transformingSensitive(_ state: RecordState, schema: RecordSchema, skipping: RecordState? = nil,
                                       _ transform: (FieldEntry, Data) throws -> FieldValue) throws -> RecordState {
        var result = state
        for field in schema.fields where field.sensitive {
            guard var entries = state.fields[field.name] else { continue }
            let skipped = skipping?.fields[field.name] ?? []
            // Record, field and dot: `incidentReport/<id>/reporterName/<replica>:<counter>`.
            let prefix = state.type.rawValue + "/" + state.id.rawValue + "/" + field.name + "/"
            for index in entries.indices where !skipped.contains(where: { $0.dot == entries[index].dot }) {
                let dot = entries[index].dot
                let context = Data((prefix + dot.replica.rawValue + ":" + String(dot.counter)).utf8)
                entries[index].value = try transform(entries[index], context)
            }
            result.fields[field.name] = entries
        }
        return result
    }
}
