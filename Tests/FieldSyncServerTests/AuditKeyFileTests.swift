import FieldSyncServer
import Foundation
import Synchronization
import Testing

/// The audit signing key file: created whole and private, and shared safely by nodes that start at once.
@Suite("Audit signing key file")
struct AuditKeyFileTests {
    @Test("servers starting at once on one new key file all get the same complete key (none reads a half-written file)")
    func concurrentCreation() throws {
        for round in 0..<20 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-key-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("audit.key").path
            let keys = Mutex<[String]>([])
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do {
                    let key = try AuditSigner.loadOrCreate(path: path).publicKey
                    keys.withLock { $0.append(key) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty, "round \(round): \(failures.withLock { $0 })")
            #expect(Set(keys.withLock { $0 }).count == 1, "round \(round): one key for all")
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "audit.key" }
            #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
        }
    }
}
