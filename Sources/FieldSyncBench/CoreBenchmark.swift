import CZlib
import FieldSyncCore
import FieldSyncServer
import Foundation

/// Core figures: the join of two diverged 20-field states, and the wire size and codec speed of
/// typical records.
enum CoreBenchmark {
    /// A record type of twenty fields across every policy: declared, not coded, like any new type.
    static let twentyFields = RecordSchema(type: RecordType("benchTwenty"), version: 1, fields:
        (0..<12).map { FieldSchema("lww\($0)", .text(maxLength: 200), .lastWriterWins) }
        + (0..<3).map { FieldSchema("fixed\($0)", .text(maxLength: 200), .immutable) }
        + [FieldSchema("narrative", .text(maxLength: 2_000), .manual),
           FieldSchema("flags", .text(maxLength: 40), .addWinsSet),
           FieldSchema("notes", .text(maxLength: 400), .appendLog),
           FieldSchema("notes2", .text(maxLength: 400), .appendLog),
           FieldSchema("status", .code(["open", "done"]),
                       .lifecycle(Lifecycle(states: ["open", "done"], initial: "open", transitions: ["open": ["done"]])))])

    static func origin(_ replica: String, _ wall: Int64) -> WriteOrigin {
        WriteOrigin(replica: ReplicaID(replica), author: OfficerID("B" + replica), stamp: HLCTimestamp(wall: 1_763_900_000_000 + wall))
    }

    /// Two states of one record that diverged: each side edited fields of its own and one field both.
    static func divergedPair() -> (RecordState, RecordState) {
        let schema = twentyFields
        var operations: [FieldOperation] = (0..<12).map { .set("lww\($0)", .string("initial value \($0)")) }
        operations += (0..<3).map { .set("fixed\($0)", .string("fixed \($0)")) }
        operations += [.set("narrative", "an ordinary narrative of moderate length"), .add("flags", "a"), .add("flags", "b"),
                       .append("notes", "first note"), .append("notes2", "other note")]
        let base = try! schema.create(id: RecordID("bench-1"), operations, origin: origin("T1", 0))
        let a = try! schema.apply([.set("lww1", "a edit"), .set("lww2", "a edit"), .append("notes", "a note"), .set("narrative", "a story")],
                                  to: base, origin: origin("T2", 10))
        let b = try! schema.apply([.set("lww5", "b edit"), .set("lww2", "b edit"), .add("flags", "c"), .set("narrative", "b story")],
                                  to: base, origin: origin("T3", 20))
        return (a, b)
    }

    static func run(arguments: [String]) -> [SummaryRow] {
        let joins = Int(arguments.first ?? "") ?? 1_000_000
        let (a, b) = divergedPair()
        precondition(a.fields.count == 20 && b.fields.count == 20)
        var sink = 0
        let diverged = measure("join of two diverged 20-field states", operations: joins, unit: "joins") {
            for _ in 0..<joins { sink &+= a.joined(with: b).fields.count }
        }
        let (c, d) = (a, a)
        let equal = measure("join of two equal 20-field states", operations: joins, unit: "joins") {
            for _ in 0..<joins { sink &+= c.joined(with: d).fields.count }
        }

        let records = (0..<10_000).map { typicalIncident(index: $0) }
        let encoder = JSONEncoder()
        let foundationEncode = measure("Foundation JSONEncoder of typical incident reports", operations: records.count, unit: "records") {
            sink &+= (try! encoder.encode(records)).count
        }
        let data = try! encoder.encode(records)
        let foundationDecode = measure("Foundation JSONDecoder of typical incident reports", operations: records.count, unit: "records") {
            sink &+= (try! JSONDecoder().decode([RecordState].self, from: data)).count
        }
        let directEncode = measure("direct codec: encode of the same reports", operations: records.count, unit: "records") {
            for record in records { sink &+= RecordStateJSON.encode(record).count }
        }
        let encoded = records.map(RecordStateJSON.encode)
        let directDecode = measure("direct codec: decode of the same reports", operations: records.count, unit: "records") {
            for data in encoded { sink &+= (try! RecordStateJSON.decode(data)).fields.count }
        }
        let raw = Double(data.count) / Double(records.count)
        let zipped = Double(gzipSize(data)) / Double(records.count)
        print("typical incident report on the wire: \(Int(raw)) bytes JSON, \(Int(zipped)) bytes gzip'd (in a batch of \(records.count))")
        let single = try! encoder.encode(records[0])
        print("one record alone: \(single.count) bytes JSON, \(gzipSize(single)) bytes gzip'd")
        // The audit checkpoint every push transaction signs inside its serial section (SPEC 8.7).
        let signer = try! AuditSigner(seed: [UInt8](repeating: 7, count: 32))
        let head = String(repeating: "ab", count: 32)
        let signatures = 20_000
        let signing = measure("Ed25519 signature of an audit checkpoint", operations: signatures, unit: "signatures") {
            for index in 0..<signatures { sink &+= (try! signer.sign(sequence: UInt64(index), headHash: head, at: 1)).signature.count }
        }
        let checkpoint = try! signer.sign(sequence: 1, headHash: head, at: 1)
        let verifying = measure("Ed25519 verification of an audit checkpoint", operations: signatures, unit: "verifications") {
            for _ in 0..<signatures where AuditSigner.verify(checkpoint, publicKey: signer.publicKey) { sink &+= 1 }
        }
        if sink == 42 { print("") }
        func rate(_ value: Double, _ unit: String) -> String { format(value) + " " + unit + "/s" }
        func micros(_ perSecond: Double) -> String { String(format: "%.0f µs each", 1_000_000 / perSecond) }
        return [
            SummaryRow(suite: "core", what: "join, two diverged 20-field states", measured: rate(diverged, "joins"), goal: ">= 1M/s"),
            SummaryRow(suite: "core", what: "join, two equal states (reconnect)", measured: rate(equal, "joins")),
            SummaryRow(suite: "core", what: "encode incident report (direct codec)", measured: rate(directEncode, "rec"),
                       raw: "Foundation " + rate(foundationEncode, "rec"), ratio: directEncode / foundationEncode),
            SummaryRow(suite: "core", what: "decode incident report (direct codec)", measured: rate(directDecode, "rec"),
                       raw: "Foundation " + rate(foundationDecode, "rec"), ratio: directDecode / foundationDecode),
            SummaryRow(suite: "core", what: "sign an audit checkpoint (Ed25519)", measured: micros(signing)),
            SummaryRow(suite: "core", what: "verify an audit checkpoint (Ed25519)", measured: micros(verifying)),
            SummaryRow(suite: "core", what: "bytes per record on the wire", measured: "\(Int(raw)) JSON, \(Int(zipped)) gzip'd",
                       goal: "<= 300 gzip'd"),
        ]
    }

    static func typicalIncident(index: Int) -> RecordState {
        let schema = RecordSchema.incidentReport
        let state = try! schema.create(id: RecordID(String(format: "c%08d-4d7a-9f21-%012d", index, index * 7)), [
            .set("receiptNumber", .string("KH.P03.S012-\(1_000_000 + index)")), .set("receivedAt", .int(1_763_900_000_000 + Int64(index))),
            .set("receivingUnit", "KH.P03.S012"), .set("jurisdictionUnit", "KH.P03.S012"),
            .set("category", "theft"), .set("severity", "ordinary"),
            .set("reporterName", "Lin Chih-hao"), .set("reporterContact", "0912-345-678"),
            .set("narrative", .string("Scooter KHH-\(index % 977) stolen from the lane behind the night market between 21:00 and 22:30.")),
            .set("location", "Ruifeng night market, Gushan"),
        ], origin: origin("T\(index % 40)", Int64(index)))
        return try! schema.apply([.set("status", "receiptIssued")], to: state, origin: origin("T\(index % 40)", Int64(index) + 1))
    }

    static func gzipSize(_ data: Data) -> Int {
        var stream = z_stream()
        deflateInit2_(&stream, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(data.count))) + 64)
        var input = [UInt8](data)
        let produced = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                deflate(&stream, Z_FINISH)
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        return produced
    }
}
