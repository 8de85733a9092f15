import Foundation

/// Every protocol message: it names the protocol version it is written in.
public protocol ProtocolMessage: Codable, Sendable {
    /// The protocol version the message is written in. `WireCoding.decode(_:from:)` refuses a message
    /// whose version is not `WireCoding.protocolVersion` (`unsupportedProtocolVersion`).
    var protocolVersion: Int { get }
}

/// JSON encoding and decoding of protocol messages, with decoding failures turned into
/// `ProtocolError`s that say where the body went wrong.
public enum WireCoding {
    /// The protocol version this code speaks.
    public static let protocolVersion = 1

    /// The JSON of `message` for the wire: the requests that carry record states through the direct
    /// writer (`RecordStateJSON.encodeFast(_:)`, canonical bytes), anything else as `JSONEncoder` writes
    /// it (key order unspecified). Use `canonical(_:)` where bytes must be reproducible.
    /// - Throws: `EncodingError` only when a value cannot be encoded (never for the protocol's messages).
    public static func encode<Message: Encodable>(_ message: Message) throws -> Data {
        if let fast = RecordStateJSON.encodeFast(message) { return fast }
        return try JSONEncoder().encode(message)
    }

    /// Encodes with sorted keys, for vectors and for hashing.
    public static func canonical<Message: Encodable>(_ message: Message) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(message)
    }

    /// Decodes a message, checking its version first: a message of another version may have another
    /// shape, and deserves `unsupportedProtocolVersion` rather than `malformedRequest`.
    public static func decode<Message: ProtocolMessage>(_ type: Message.Type, from data: Data) throws(ProtocolError) -> Message {
        if let message = RecordStateJSON.decodeFast(type, from: data), message.protocolVersion == protocolVersion {
            return message
        }
        if let probe = try? JSONDecoder().decode(VersionProbe.self, from: data), probe.protocolVersion != protocolVersion {
            throw ProtocolError(.unsupportedProtocolVersion,
                                "protocol version \(probe.protocolVersion) is not supported; this peer speaks \(protocolVersion)")
        }
        return try decodeBody(type, from: data)
    }

    private struct VersionProbe: Decodable { var protocolVersion: Int }

    /// Decodes any body (responses, error bodies) without a version check.
    public static func decodeBody<Body: Decodable>(_ type: Body.Type, from data: Data) throws(ProtocolError) -> Body {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw ProtocolError(.malformedRequest, describe(error))
        } catch {
            throw ProtocolError(.malformedRequest, "the body is not valid JSON: \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            return text.isEmpty ? "the body" : String(text.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context.codingPath)) has the wrong type: \(context.debugDescription)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "the body is not valid JSON (truncated or malformed)"
                : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "the body does not match the message: \(error)"
        }
    }
}
