import FieldSyncCore

/// Awkward inputs for the codec tests (the direct JSON writer and readers of the core, the server's
/// page splice): strings that need escaping, extreme integers and stamps, nested values, an empty state.
public enum CodecSamples {
    /// Record states that exercise every escape and value kind.
    public static func states() throws -> [RecordState] {
        let factory = RecordFactory(replica: ReplicaID("t-0a1b"), station: UnitID("KH.P03.S012"), now: 1_795_420_800_000)
        var report = try factory.incidentReport("i-1", narrative: "quote \" backslash \\ newline \n tab \t 中文 🚓 slash /")
        report = try factory.apply([.add("evidence", .string("sha256:" + String(repeating: "ab", count: 32))),
                                    .append("transfers", .object(["from": "KH.P03.S012", "to": "KH.P05.S031", "reason": "x"])),
                                    .set("status", "receiptIssued")], to: report)
        var nested = try factory.patrolSignIn("nested")
        nested.fields["note"] = [FieldEntry(dot: Dot(factory.replica, 1), stamp: HLCTimestamp(wall: -5, logical: UInt32.max), author: factory.officer,
                                            value: .list([.int(Int64.min), .int(Int64.max), .bool(false), .list([]), .object([:])]))]
        return [report, try factory.patrolSignIn("p-1"), nested, RecordState(type: .patrolSignIn, id: RecordID("empty"), schemaVersion: 1)]
    }

    /// Truncations of `body` (every `truncatedEvery` bytes) and `edits` seeded single-byte replacements.
    public static func variants(of body: [UInt8], truncatedEvery step: Int, seed: UInt64, edits: Int) -> [[UInt8]] {
        var variants: [[UInt8]] = stride(from: 0, to: body.count, by: step).map { Array(body[..<$0]) }
        var seed = seed
        let replacements = Array("{}[]\",:0123456789-.eEtrufalsn \\u".utf8)
        for _ in 0..<edits {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            var edited = body
            edited[Int(seed >> 33) % edited.count] = replacements[Int(seed >> 20) % replacements.count]
            variants.append(edited)
        }
        return variants
    }
}
