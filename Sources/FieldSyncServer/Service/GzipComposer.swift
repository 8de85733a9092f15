import CZlib
import Foundation

/// A gzip member (RFC 1952) written from deflated pieces: the header, each piece's bytes as they are, an
/// empty final block, and a trailer whose CRC-32 is combined from the pieces' (`crc32_combine`), so no
/// byte is compressed or checksummed twice.
struct GzipComposer {
    /// An empty final block with fixed Huffman codes: BFINAL=1, BTYPE=01, end-of-block.
    static let finalBlock: [UInt8] = [0x03, 0x00]
    /// ID1 ID2, deflate, no flags, no mtime, no extra flags, OS unknown.
    static let header: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF]

    private(set) var bytes: [UInt8]
    private var crc: UInt32 = 0
    private(set) var length = 0

    init(capacity: Int = 0) {
        bytes = GzipComposer.header
        bytes.reserveCapacity(capacity + 32)
    }

    mutating func append(_ piece: DeflatedPiece) {
        guard piece.length > 0 else { return }
        bytes.append(contentsOf: piece.deflated)
        crc = UInt32(crc32_combine(uLong(crc), uLong(piece.crc), .init(piece.length)))
        length += piece.length
    }

    /// Plain bytes of this answer alone (its envelope, the push's results), deflated fast (or stored,
    /// when short) on the spot.
    mutating func append(plain: some ContiguousBytes) {
        append(DeflatedPiece(plain, level: DeflatedPiece.fastLevel))
    }

    /// The finished member.
    consuming func finish() -> [UInt8] {
        bytes.append(contentsOf: Self.finalBlock)
        for value in [crc, UInt32(truncatingIfNeeded: length)] {
            bytes.append(contentsOf: [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)])
        }
        return bytes
    }
}
