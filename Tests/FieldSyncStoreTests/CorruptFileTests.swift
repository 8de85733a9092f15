import FieldSyncCore
import Foundation
@testable import FieldSyncStore
import Testing

/// Corrupted local database files (issue 8's catalogue, store side): each is refused with a typed error
/// and left byte for byte as it was, so that nothing a forensic recovery could still read is destroyed.
/// (Garbage files and scribbled pages are in `OpeningTests`; these add damage of other shapes.)
@Suite("Corrupted store files")
struct CorruptFileTests {
    enum Damage: String, CaseIterable {
        case truncatedToHalf, headerZeroed
    }

    @Test("a damaged store file is refused with .corrupted and left unchanged", arguments: Damage.allCases)
    func damaged(_ damage: Damage) throws {
        let fixture = try StoreFixture()
        for _ in 0..<200 { try fixture.store.createHouseholdVisit(StoreFixture.visit(), by: StoreFixture.officer) }
        _ = try fixture.store.pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        try fixture.store.close()
        let url = URL(fileURLWithPath: fixture.directory.storePath)
        var bytes = try Data(contentsOf: url)
        #expect(bytes.count > 16 * 4_096)
        switch damage {
        case .truncatedToHalf: bytes = bytes.prefix(bytes.count / 2)
        case .headerZeroed: bytes.replaceSubrange(0..<100, with: Data(count: 100))
        }
        try bytes.write(to: url)
        let error = storeError { _ = try StoreFixture.open(fixture.directory) }
        #expect(error?.code == .corrupted, "\(damage): \(String(describing: error))")
        #expect(try Data(contentsOf: url) == bytes, "\(damage): the refused file was changed")
    }
}
