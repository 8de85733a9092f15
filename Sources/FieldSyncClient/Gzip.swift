import CZlib
import Foundation

/// gzip for request bodies and responses, on the system zlib (the terminal links no NIO). Public for the
/// benchmark's load generator, which sends what terminals send.
public enum Gzip {
    /// `data` as one complete gzip stream, or nil when zlib could not make one (then send the bytes
    /// uncompressed and unlabelled: never raw bytes labelled gzip).
    public static func compress(_ data: Data, level: Int32 = 6) -> Data? {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, UInt(data.count))) + 32)
        var input = data
        let written: Int? = input.withUnsafeMutableBytes { inBuffer in
            output.withUnsafeMutableBytes { outBuffer in
                stream.next_in = inBuffer.bindMemory(to: UInt8.self).baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.bindMemory(to: UInt8.self).baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                // The output holds deflateBound's worst case, so one Z_FINISH must end the stream.
                guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return nil }
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        return written.map { output.prefix($0) }
    }

    /// Inflates a gzip stream, refusing to produce more than `limit` bytes (a decompression bomb).
    public static func decompress(_ data: Data, limit: Int = 64 << 20) -> Data? {
        var stream = z_stream()
        guard inflateInit2_(&stream, 47, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var input = data
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let ok: Bool = input.withUnsafeMutableBytes { inBuffer in
            stream.next_in = inBuffer.bindMemory(to: UInt8.self).baseAddress
            stream.avail_in = UInt32(inBuffer.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                if output.count > limit { return false }
                if status == Z_STREAM_END { return true }
                if status != Z_OK { return false }
                if stream.avail_in == 0 && stream.avail_out != 0 { return false }
            }
        }
        return ok ? output : nil
    }

    /// Whether `data` starts with the gzip magic bytes.
    public static func isGzip(_ data: Data) -> Bool { data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B }
}
