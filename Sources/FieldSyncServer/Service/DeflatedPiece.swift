import CZlib
import Foundation

/// Bytes deflated on their own so that they can be spliced into any gzip answer: raw deflate started
/// from an empty dictionary and ended on a full flush, so the compressed bytes neither reference what
/// came before them nor leave bits pending (pigz's technique for parallel gzip). Cached pull ranges are
/// kept in this form: a terminal's answer is then copies of compressed bytes, not a deflate per delivery.
struct DeflatedPiece: Sendable {
    /// The raw deflate blocks, byte-aligned and without a final block.
    let deflated: [UInt8]
    /// CRC-32 of the uncompressed bytes.
    let crc: UInt32
    /// Number of uncompressed bytes.
    let length: Int

    /// The level of ranges the cache keeps. Level 6 was chosen first (a range is compressed once and sent
    /// to every terminal of its scopes, so smaller output seemed to pay), but the same build measured
    /// with level 1 (BENCHMARKS.md, "Full run after group commit"): `storm-load --terminals 600` 9.24 s and
    /// 9.8 server CPU-s against 9.96 s and 11.6 CPU-s, for 16% more bytes; a fresh terminal's pull
    /// 102k against 76k records/s on SQLite, 57k against 39k on PostgreSQL. The first reader of a range
    /// pays its deflate, and in a storm most ranges are read by few terminals.
    static let defaultLevel: Int32 = 1
    /// For bytes deflated for one answer only (no cache): about three times faster than level 6 on pull
    /// pages for ~20% more bytes; in a reconnect storm without the cache, level 6 was half of the
    /// server's CPU time.
    static let fastLevel: Int32 = 1
    /// Pieces shorter than this are written as a stored block: a deflate stream costs more than it saves.
    static let storedBelow = 128

    init(deflated: [UInt8], crc: UInt32, length: Int) {
        self.deflated = deflated
        self.crc = crc
        self.length = length
    }

    /// `bytes` deflated at `level` (or stored, when short).
    init(_ bytes: some ContiguousBytes, level: Int32 = DeflatedPiece.defaultLevel) {
        var deflated: [UInt8] = []
        var crc: UInt32 = 0
        var length = 0
        bytes.withUnsafeBytes { buffer in
            length = buffer.count
            crc = DeflatedPiece.crc32(buffer)
            deflated = buffer.count < DeflatedPiece.storedBelow
                ? DeflatedPiece.stored(buffer) : DeflatedPiece.deflate(buffer, level: level)
        }
        self.deflated = deflated
        self.crc = crc
        self.length = length
    }

    static func crc32(_ buffer: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return 0 }
        return UInt32(CZlib.crc32(0, base.assumingMemoryBound(to: Bytef.self), uInt(buffer.count)))
    }

    /// Stored (uncompressed) deflate blocks of at most 65,535 bytes each: header byte 0 (not final, type
    /// 00, padding to the byte boundary the previous full flush left), then LEN and its complement.
    static func stored(_ buffer: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(buffer.count + 5 * (buffer.count / 65_535 + 1))
        var offset = 0
        repeat {
            let count = min(65_535, buffer.count - offset)
            output.append(contentsOf: [0, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)])
            output.append(contentsOf: buffer[offset..<(offset + count)])
            offset += count
        } while offset < buffer.count
        return output
    }

    /// Raw deflate of the whole buffer ending on `Z_FULL_FLUSH`. zlib cannot fail here but for memory;
    /// should it, the bytes go out stored, still valid deflate.
    static func deflate(_ buffer: UnsafeRawBufferPointer, level: Int32) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        guard deflateInit2_(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return stored(buffer) }
        defer { deflateEnd(stream) }
        // deflateBound covers the data; a full flush adds at most an empty stored block and a few bits.
        var scratch = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(buffer.count))) + 64)
        let written: Int? = scratch.withUnsafeMutableBufferPointer { out in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: buffer.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(buffer.count)
            stream.pointee.next_out = out.baseAddress
            stream.pointee.avail_out = uInt(out.count)
            guard CZlib.deflate(stream, Z_FULL_FLUSH) == Z_OK, stream.pointee.avail_in == 0, stream.pointee.avail_out > 0 else { return nil }
            return out.count - Int(stream.pointee.avail_out)
        }
        guard let written else { return stored(buffer) }
        // A copy of the right size: the buffer's capacity is deflateBound's, about the input's size, and a
        // cached range must cost its compressed bytes (removeSubrange keeps the capacity: the storm with
        // real terminals peaked at 591 MB with it).
        return Array(scratch[..<written])
    }

    /// The uncompressed bytes again (for answers sent without gzip, and for tests).
    func inflated() -> Data? {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        guard inflateInit2_(stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(stream) }
        // The piece has no final block: append one (an empty fixed-Huffman block) so inflate ends cleanly.
        var input = deflated + GzipComposer.finalBlock
        var output = Data(count: length + 1)
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBytes { outBuffer in
                stream.pointee.next_in = inBuffer.baseAddress
                stream.pointee.avail_in = uInt(inBuffer.count)
                stream.pointee.next_out = outBuffer.bindMemory(to: Bytef.self).baseAddress
                stream.pointee.avail_out = uInt(outBuffer.count)
                return CZlib.inflate(stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.pointee.total_out) == length else { return nil }
        output.removeLast()
        return output
    }
}
