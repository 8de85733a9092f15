/// A block of incident receipt numbers leased to one terminal, which issues them offline.
/// The numbers `first...last` under `prefix` belong to this terminal alone; no other terminal gets them.
public struct ReceiptLease: Hashable, Sendable, Codable {
    /// The prefix of every number, usually the station's unit code; at most 24 bytes (SPEC §8.2).
    public var prefix: String
    /// The block's first number (inclusive).
    public var first: Int64
    /// The block's last number (inclusive).
    public var last: Int64

    /// A block as given. Traps (precondition) when `first > last`; the prefix is not checked here.
    public init(prefix: String, first: Int64, last: Int64) {
        precondition(first <= last)
        self.prefix = prefix
        self.first = first
        self.last = last
    }

    /// How many numbers the block holds.
    public var count: Int64 { last - first + 1 }

    /// Decodes `{"prefix", "first", "last"}`.
    /// - Throws: `DecodingError` when `first < 0`, `first > last` or the prefix exceeds 24 UTF-8 bytes,
    ///   so a bad lease from a server fails decoding instead of trapping.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        prefix = try container.decode(String.self, forKey: .prefix)
        first = try container.decode(Int64.self, forKey: .first)
        last = try container.decode(Int64.self, forKey: .last)
        guard first >= 0, first <= last, prefix.utf8.count <= 24 else {
            throw DecodingError.dataCorruptedError(forKey: .last, in: container,
                debugDescription: "a lease needs 0 <= first <= last and a prefix of at most 24 bytes")
        }
    }

    private enum CodingKeys: String, CodingKey { case prefix, first, last }

    /// The receipt number for `number`: `prefix-` then at least 7 digits, e.g. `KH.P03.S012-0001024`.
    public func receiptNumber(_ number: Int64) -> String {
        precondition((first...last).contains(number), "number outside the lease")
        let digits = String(number)
        return prefix + "-" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }
}

/// `POST /v1/lease`: a terminal running low asks for its next block.
public struct LeaseRequest: ProtocolMessage, Hashable {
    /// The protocol version the message is written in (`WireCoding.protocolVersion` when built here).
    public var protocolVersion: Int
    /// A request for the terminal's next block (the server knows the device from its credential).
    public init(protocolVersion: Int = WireCoding.protocolVersion) { self.protocolVersion = protocolVersion }
}

/// The answer to `LeaseRequest`.
public struct LeaseResponse: ProtocolMessage, Hashable {
    /// The protocol version the message is written in (`WireCoding.protocolVersion` when built here).
    public var protocolVersion: Int
    /// The terminal's next block: no other terminal is ever given these numbers.
    public var lease: ReceiptLease
    /// The server's wall clock when it answered, milliseconds since 1970: the terminal corrects its
    /// hybrid clock by it.
    public var serverTime: Int64

    /// An answer as given (the server builds it).
    public init(lease: ReceiptLease, serverTime: Int64, protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.lease = lease
        self.serverTime = serverTime
    }
}
