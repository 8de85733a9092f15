/// A block of incident receipt numbers leased to one terminal, which issues them offline.
/// The numbers `first...last` under `prefix` belong to this terminal alone; no other terminal gets them.
public struct ReceiptLease: Hashable, Sendable, Codable {
    public var prefix: String
    public var first: Int64
    public var last: Int64

    public init(prefix: String, first: Int64, last: Int64) {
        precondition(first <= last)
        self.prefix = prefix
        self.first = first
        self.last = last
    }

    public var count: Int64 { last - first + 1 }

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
    public var protocolVersion: Int
    public init(protocolVersion: Int = WireCoding.protocolVersion) { self.protocolVersion = protocolVersion }
}

public struct LeaseResponse: ProtocolMessage, Hashable {
    public var protocolVersion: Int
    public var lease: ReceiptLease
    public var serverTime: Int64

    public init(lease: ReceiptLease, serverTime: Int64, protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.lease = lease
        self.serverTime = serverTime
    }
}
