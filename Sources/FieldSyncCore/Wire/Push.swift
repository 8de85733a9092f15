/// `POST /v1/push`: the states of records with unacknowledged local writes.
public struct PushRequest: ProtocolMessage, Hashable {
    public var protocolVersion: Int
    /// Chosen by the terminal, unique per batch: a replay with the same id gets the stored answers.
    public var batchID: String
    public var records: [RecordState]

    public init(batchID: String, records: [RecordState], protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.batchID = batchID
        self.records = records
    }
}

public struct PushResponse: ProtocolMessage, Hashable {
    public var protocolVersion: Int
    public var batchID: String
    /// One result per pushed record, in the order pushed.
    public var results: [RecordResult]
    public var serverTime: Int64

    public init(batchID: String, results: [RecordResult], serverTime: Int64,
                protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.batchID = batchID
        self.results = results
        self.serverTime = serverTime
    }
}

/// The server's answer for one pushed record.
/// On the wire: `{"id": "...", "status": "accepted", "seq": 12}` or
/// `{"id": "...", "status": "rejected", "rejection": {...}, "current": {...}}`.
public struct RecordResult: Hashable, Sendable {
    public enum Outcome: Hashable, Sendable {
        /// Stored; `seq` is the change sequence of the stored state (unchanged if nothing was new).
        case accepted(seq: UInt64)
        /// Refused and quarantined; `current` is the server's state of the record when the terminal may see it.
        case rejected(Rejection, current: RecordState?)
    }

    public var id: RecordID
    public var outcome: Outcome

    public init(id: RecordID, outcome: Outcome) {
        self.id = id
        self.outcome = outcome
    }
}

extension RecordResult: Codable {
    private enum CodingKeys: String, CodingKey { case id, status, seq, rejection, current }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(RecordID.self, forKey: .id)
        switch try container.decode(String.self, forKey: .status) {
        case "accepted":
            outcome = .accepted(seq: try container.decode(UInt64.self, forKey: .seq))
        case "rejected":
            outcome = .rejected(try container.decode(Rejection.self, forKey: .rejection),
                                current: try container.decodeIfPresent(RecordState.self, forKey: .current))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .status, in: container,
                                                   debugDescription: "unknown status '\(other)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        switch outcome {
        case .accepted(let seq):
            try container.encode("accepted", forKey: .status)
            try container.encode(seq, forKey: .seq)
        case .rejected(let rejection, let current):
            try container.encode("rejected", forKey: .status)
            try container.encode(rejection, forKey: .rejection)
            try container.encodeIfPresent(current, forKey: .current)
        }
    }
}
