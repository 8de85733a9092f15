/// An operating failure of a protocol exchange: the core module's one error type, and the body of every
/// non-2xx answer. On the wire: `{"error": {"code": "...", "message": "...", "retryAfterSeconds": 5}, "wipe": true}`.
public struct ProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An error code to switch on, with the HTTP status the server answers it with. Unknown codes from
    /// a newer peer decode as themselves.
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        /// The code on the wire, e.g. `rateLimited`.
        public let rawValue: String
        /// Any code, known or not.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The raw code.
        public var description: String { rawValue }

        /// The body is not JSON, is truncated, or does not have the message's shape. HTTP 400.
        public static let malformedRequest = Code(rawValue: "malformedRequest")
        /// The message's `protocolVersion` is not one this peer speaks. HTTP 400.
        public static let unsupportedProtocolVersion = Code(rawValue: "unsupportedProtocolVersion")
        /// The body or the batch is larger than the server accepts. HTTP 413.
        public static let payloadTooLarge = Code(rawValue: "payloadTooLarge")
        /// No credential, or one the server does not know. HTTP 401.
        public static let unauthenticated = Code(rawValue: "unauthenticated")
        /// The device was revoked: the terminal must wipe its store. HTTP 401 with `wipe: true`.
        public static let revoked = Code(rawValue: "revoked")
        /// Authenticated, but not allowed to do this. HTTP 403.
        public static let forbidden = Code(rawValue: "forbidden")
        /// The enrollment token is unknown, used or expired. HTTP 403.
        public static let invalidToken = Code(rawValue: "invalidToken")
        /// A batch id was reused with different content. HTTP 409.
        public static let batchConflict = Code(rawValue: "batchConflict")
        /// The pull cursor is not one this server issued. HTTP 400.
        public static let invalidCursor = Code(rawValue: "invalidCursor")
        /// Too many requests from this device; retry after `retryAfterSeconds`. HTTP 429.
        public static let rateLimited = Code(rawValue: "rateLimited")
        /// The server cannot store anything now (disk full, database down); retry later. HTTP 503.
        public static let unavailable = Code(rawValue: "unavailable")
        /// No such resource. HTTP 404.
        public static let notFound = Code(rawValue: "notFound")
        /// A fault of the server's own. HTTP 500.
        public static let internalError = Code(rawValue: "internalError")

        /// Decodes a bare string; unknown codes are kept as they are.
        /// - Throws: `DecodingError` for a non-string.
        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        /// Encodes the bare string.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    /// What failed: the code to switch on.
    public var code: Code
    /// A sentence for a person: what is wrong and, where it helps, what to do.
    public var message: String
    /// Seconds to wait before trying again, when the server says (`rateLimited`, `unavailable`).
    public var retryAfterSeconds: Int?
    /// Set on `revoked`: the terminal must destroy its store and key, once it has checked
    /// `revocationProof` (SPEC §10.10). Any other answer carrying it is ignored.
    public var wipe: Bool
    /// On `revoked`: base64url of HMAC-SHA256, keyed with SHA-256 of the device's secret, over
    /// `fieldsync-revoked-v1\n<replica>`. Only the server (which keeps that hash) and the device can
    /// compute it, so a proxy, a captive portal or a spoofed answer cannot make a terminal wipe itself.
    public var revocationProof: String?

    /// An error as given; `wipe` and `revocationProof` belong on `revoked` only.
    public init(_ code: Code, _ message: String, retryAfterSeconds: Int? = nil, wipe: Bool = false,
                revocationProof: String? = nil) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
        self.wipe = wipe
        self.revocationProof = revocationProof
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}

extension ProtocolError: Codable {
    private struct Detail: Codable {
        var code: Code
        var message: String
        var retryAfterSeconds: Int?
    }

    private enum CodingKeys: String, CodingKey { case error, wipe, revocationProof }

    /// Decodes the error body; an absent `wipe` reads as false.
    /// - Throws: `DecodingError` when `error`, its `code` or its `message` is missing or mistyped.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let detail = try container.decode(Detail.self, forKey: .error)
        self.init(detail.code, detail.message, retryAfterSeconds: detail.retryAfterSeconds,
                  wipe: try container.decodeIfPresent(Bool.self, forKey: .wipe) ?? false,
                  revocationProof: try container.decodeIfPresent(String.self, forKey: .revocationProof))
    }

    /// Encodes the error body; `wipe` only when true, `revocationProof` only when present.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Detail(code: code, message: message, retryAfterSeconds: retryAfterSeconds), forKey: .error)
        if wipe { try container.encode(true, forKey: .wipe) }
        try container.encodeIfPresent(revocationProof, forKey: .revocationProof)
    }
}
