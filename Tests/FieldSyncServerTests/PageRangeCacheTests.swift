import CompressNIO
import FieldSyncCore
@testable import FieldSyncServer
import FieldSyncTesting
import Foundation
import NIOCore
import Testing

/// The pieces of the page-range cache (issue 16, item 3) on their own: pieces deflated apart spliced
/// into one gzip member, and the cache's chains, budgets, lifetime, bound and purge generation. The
/// behaviour through the service on both backends is `StorageConformance.pageCache`.
@Suite("Page-range cache")
struct PageRangeCacheTests {
    /// Inflates with CompressNIO's gzip reader, which checks the trailer's CRC-32 and length.
    static func gunzip(_ bytes: [UInt8]) throws -> Data {
        var buffer = ByteBuffer(bytes: bytes)
        let inflated = try buffer.decompress(with: .gzip(), maxSize: 64 << 20)
        return Data(inflated.readableBytesView)
    }

    @Test("pieces deflated apart, short and stored ones among them, splice into one gzip member of their concatenation")
    func splicedGzip() throws {
        var random = SeededRandom(seed: 0x6A1D)
        for round in 0..<40 {
            var composer = GzipComposer()
            var expected = Data()
            for _ in 0..<Int.random(in: 0...12, using: &random) {
                let length = [0, 1, 5, 127, 128, 3_000, 70_000][Int.random(in: 0..<7, using: &random)]
                // Record-like text (compressible) or noise (not): both must round-trip.
                let bytes: [UInt8] = Bool.random(using: &random)
                    ? Array(String(repeating: "{\"id\":\"p\(round)\",\"f\":\"v\"},", count: length / 24 + 1).utf8.prefix(length))
                    : (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
                expected.append(contentsOf: bytes)
                if Bool.random(using: &random) {
                    composer.append(plain: bytes)
                } else {
                    let piece = DeflatedPiece(bytes, level: Int32.random(in: 1...9, using: &random))
                    #expect(piece.inflated() == Data(bytes), "round \(round): a piece inflates to its bytes")
                    composer.append(piece)
                }
            }
            #expect(try Self.gunzip(composer.finish()) == expected, "round \(round)")
        }
    }

    @Test("stored blocks split at 65,535 bytes")
    func longStoredBlocks() throws {
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let stored = bytes.withUnsafeBytes { DeflatedPiece.stored($0) }
        #expect(stored.count == bytes.count + 4 * 5, "four blocks of at most 65,535 bytes")
        let piece = DeflatedPiece(deflated: stored, crc: bytes.withUnsafeBytes { DeflatedPiece.crc32($0) }, length: bytes.count)
        #expect(piece.inflated() == Data(bytes))
        var composer = GzipComposer()
        composer.append(plain: Array("[".utf8))
        composer.append(piece)
        composer.append(DeflatedPiece(bytes, level: 0))
        #expect(try Self.gunzip(composer.finish()) == Data("[".utf8) + Data(bytes) + Data(bytes))
    }

    static func range(after: UInt64, through: UInt64, count: Int, readAt: Int64 = 0, stateBytes: Int = 100) -> PageRange {
        let states = (0..<count).map { Data(String(repeating: "x", count: stateBytes / max(count, 1)).utf8 + Data("\($0)".utf8)) }
        return PageRange(page: StoredPage(states: states, cursor: through, hasMore: false, head: through), after: after, readAt: readAt)
    }

    @Test("a chain follows consecutive ranges from the cursor while they fit the budget, and only the same scope set's")
    func chains() {
        let cache = PageRangeCache(capacityBytes: 1 << 20, lifetime: 60_000)
        let key = PageRangeCache.key([UnitID("KH.P03.S012"), UnitID("KH.P03")])
        #expect(key == PageRangeCache.key([UnitID("KH.P03"), UnitID("KH.P03.S012")]), "a set: order does not matter")
        for (after, through) in [(0, 10), (10, 25), (25, 26), (40, 50)] as [(UInt64, UInt64)] {
            cache.insert(Self.range(after: after, through: through, count: Int(through - after) / 2 + 1), scopes: key, generation: 0)
        }
        let all = cache.chain(scopes: key, from: 0, limit: 100, maxBytes: 1 << 20, now: 1)
        #expect(all.ranges.map(\.after) == [0, 10, 25] && all.through == 26 && !all.budgetSpent, "stops where no range starts")
        #expect(all.count == 6 + 8 + 1)
        let byRecords = cache.chain(scopes: key, from: 0, limit: 13, maxBytes: 1 << 20, now: 1)
        #expect(byRecords.ranges.count == 1 && byRecords.budgetSpent, "the second range would pass 13 records")
        let byBytes = cache.chain(scopes: key, from: 0, limit: 100, maxBytes: all.ranges[0].stateBytes, now: 1)
        #expect(byBytes.ranges.count == 1 && byBytes.budgetSpent)
        #expect(cache.chain(scopes: key, from: 5, limit: 100, maxBytes: 1 << 20, now: 1).ranges.isEmpty, "no range starts at 5")
        #expect(cache.chain(scopes: PageRangeCache.key([UnitID("KH.P03")]), from: 0, limit: 100, maxBytes: 1 << 20, now: 1).ranges.isEmpty,
                "another scope set")
        #expect(cache.chain(scopes: key, from: 0, limit: 100, maxBytes: 1 << 20, now: 60_001).ranges.isEmpty, "past its lifetime")
        #expect(cache.chain(scopes: key, from: 10, limit: 100, maxBytes: 1 << 20, now: 1).ranges.count == 2, "others still there")
        #expect(cache.chain(scopes: key, from: 0, limit: 100, maxBytes: 1 << 20, now: 1).ranges.isEmpty, "the expired range was dropped")
    }

    @Test("the cache stays within its bytes, dropping the least recently used ranges first")
    func bounded() {
        let one = Self.range(after: 0, through: 1, count: 3, stateBytes: 3_000)
        let cost = one.piece!.deflated.count + PageRangeCache.entryOverhead
        let cache = PageRangeCache(capacityBytes: cost * 10, lifetime: 60_000)
        for index in 0..<10 { cache.insert(Self.range(after: UInt64(index * 2), through: UInt64(index * 2 + 1), count: 3, stateBytes: 3_000), scopes: "a", generation: 0) }
        #expect(cache.usage.ranges == 10 && cache.usage.bytes <= cost * 10)
        _ = cache.chain(scopes: "a", from: 0, limit: 10, maxBytes: 1 << 20, now: 0)   // range 0 used last
        cache.insert(Self.range(after: 100, through: 101, count: 3, stateBytes: 3_000), scopes: "a", generation: 0)
        #expect(cache.usage.bytes <= cost * 10 && cache.usage.ranges < 10, "\(cache.usage)")
        #expect(cache.chain(scopes: "a", from: 0, limit: 10, maxBytes: 1 << 20, now: 0).ranges.count == 1, "the recently used range stays")
        #expect(cache.chain(scopes: "a", from: 2, limit: 10, maxBytes: 1 << 20, now: 0).ranges.isEmpty, "the oldest went first")
        let disabled = PageRangeCache(capacityBytes: 0, lifetime: 60_000)
        disabled.insert(one, scopes: "a", generation: 0)
        #expect(disabled.usage.ranges == 0)
    }

    @Test("a range read before a purge emptied the cache is not kept")
    func purgeGeneration() {
        let cache = PageRangeCache(capacityBytes: 1 << 20, lifetime: 60_000)
        let before = cache.chain(scopes: "a", from: 0, limit: 10, maxBytes: 1 << 20, now: 0)
        cache.removeAll()
        cache.insert(Self.range(after: 0, through: 5, count: 2), scopes: "a", generation: before.generation)
        #expect(cache.usage.ranges == 0, "read before the purge: may hold the purged record")
        let after = cache.chain(scopes: "a", from: 0, limit: 10, maxBytes: 1 << 20, now: 0)
        cache.insert(Self.range(after: 0, through: 5, count: 2), scopes: "a", generation: after.generation)
        #expect(cache.usage.ranges == 1)
    }
}
