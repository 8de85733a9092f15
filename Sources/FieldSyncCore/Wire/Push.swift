/// `POST /v1/push`: the states of records with unacknowledged local writes.
public struct PushRequest: ProtocolMessage, Hashable {
    /// The protocol version the message is written in (`WireCoding.protocolVersion` when built here).
    public var protocolVersion: Int
    /// Chosen by the terminal, unique per batch: a replay with the same id gets the stored answers.
    public var batchID: String
    /// The whole states of the records pushed, each record at most once, at most 1000 (SPEC §8.3).
    public var records: [RecordState]

    /// A batch of `records` under `batchID` (at most 128 bytes of `[A-Za-z0-9._-]`; a UUID is recommended).
    public init(batchID: String, records: [RecordState], protocolVersion: Int = WireCoding.protocolVersion) {
        self.protocolVersion = protocolVersion
        self.batchID = batchID
        self.records = records
    }
}

/// The answer to `PushRequest`: one result per pushed record.
public struct PushResponse: ProtocolMessage, Hashable {
    /// The protocol version the message is written in (`WireCoding.protocolVersion` when built here).
    public var protocolVersion: Int
    /// The request's batch id.
    public var batchID: String
    /// One result per pushed record, in the order pushed.
    public var results: [RecordResult]
    /// The server's wall clock when it answered, milliseconds since 1970: the terminal corrects its
    /// hybrid clock by it.
    public var serverTime: Int64

    /// An answer as given (the server builds it).
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
    /// What the server did with the pushed state.
    public enum Outcome: Hashable, Sendable {
        /// Stored; `seq` is the change sequence of the stored state (unchanged if nothing was new).
        case accepted(seq: UInt64)
        /// Refused and quarantined; `current` is the server's state of the record when the terminal may see it.
        case rejected(Rejection, current: RecordState?)
    }

    /// The pushed record's id.
    public var id: RecordID
    /// Accepted with its sequence, or rejected with the reason.
    public var outcome: Outcome

    /// A result as given.
    public init(id: RecordID, outcome: Outcome) {
        self.id = id
        self.outcome = outcome
    }
}

extension RecordResult: Codable {
    private enum CodingKeys: String, CodingKey { case id, status, seq, rejection, current }

    /// Decodes the wire form above.
    /// - Throws: `DecodingError` for a missing member or a `status` other than `accepted` or `rejected`.
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

    /// Encodes the wire form above; `current` only when present.
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
