/// The digests the audit chain holds of one stored change. A batch's entry (`.changes`, `PushPlan.auditDraft`)
/// has one line per change: `seq N record R delta sha256:D state sha256:S`. Older servers wrote one `.change`
/// entry per change, its record the subject: `seq N batch B delta sha256:D state sha256:S`, and before
/// states were chained it ended at the delta digest.
struct ChangeDigests: Hashable, Sendable {
    var sequence: UInt64
    var delta: String
    var state: String?
    /// The record the digests are of: the entry's subject for a `.change` entry.
    var record: String?

    /// The lines of a `.changes` entry, nil when one does not read (the verifier then reports the entry).
    static func batch(detail: String) -> [ChangeDigests]? {
        var lines: [ChangeDigests] = []
        for line in detail.split(separator: "\n") {
            let tokens = line.split(separator: " ")
            guard tokens.count == 8, tokens[0] == "seq", let sequence = UInt64(tokens[1]), tokens[2] == "record",
                  tokens[4] == "delta", tokens[5].hasPrefix("sha256:"), tokens[6] == "state", tokens[7].hasPrefix("sha256:") else {
                return nil
            }
            lines.append(ChangeDigests(sequence: sequence, delta: String(tokens[5].dropFirst(7)), state: String(tokens[7].dropFirst(7)),
                                       record: String(tokens[3])))
        }
        return lines.isEmpty ? nil : lines
    }

    init(sequence: UInt64, delta: String, state: String?, record: String?) {
        self.sequence = sequence
        self.delta = delta
        self.state = state
        self.record = record
    }

    /// Reads the server's own tokens from the end, so that no batch id (chosen by a terminal) can pose as them.
    init?(detail: String) {
        let tokens = detail.split(separator: " ", omittingEmptySubsequences: false)
        guard tokens.count >= 4, tokens[0] == "seq", let sequence = UInt64(tokens[1]) else { return nil }
        func digest(_ token: Substring) -> String? {
            token.hasPrefix("sha256:") ? String(token.dropFirst("sha256:".count)) : nil
        }
        var end = tokens.count
        if tokens[end - 2] == "state", let state = digest(tokens[end - 1]) {
            self.state = state
            end -= 2
        } else {
            state = nil
        }
        guard end >= 4, tokens[end - 2] == "delta", let delta = digest(tokens[end - 1]) else { return nil }
        self.sequence = sequence
        self.delta = delta
    }
}
