@testable import FieldSyncClient
import Foundation
import Testing

@Suite("gzip of request bodies")
struct GzipTests {
    @Test("a compressed body is one complete gzip stream that inflates to the same bytes")
    func roundTrip() throws {
        let body = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 7) })
        let compressed = try #require(Gzip.compress(body))
        #expect(compressed.prefix(2) == Data([0x1F, 0x8B]))
        #expect(Gzip.decompress(compressed) == body)
    }

    @Test("when zlib cannot make a stream the helper says so instead of handing back raw bytes")
    func failureIsNil() {
        // Level 42 is refused by deflateInit2: the old helper returned the input itself, which the
        // transport then sent labelled Content-Encoding: gzip.
        #expect(Gzip.compress(Data("{\"a\":1}".utf8), level: 42) == nil)
    }
}
