/// The digests a change's audit entry chains (`PushPlan.auditDraft`): `seq N batch B delta sha256:D state sha256:S`.
/// Entries written before states were chained end at the delta digest.
struct ChangeDigests: Hashable, Sendable {
    var sequence: UInt64
    var delta: String
    var state: String?

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
