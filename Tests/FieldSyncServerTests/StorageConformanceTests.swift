import FieldSyncServer
import FieldSyncTesting
import Testing

/// The same behavioural cases against both storage backends (see `StorageConformance`). The PostgreSQL
/// half needs FIELDSYNC_TEST_POSTGRES_URL (`.ci/postgres start`); without it, it is skipped loudly,
/// and under FIELDSYNC_REQUIRE_POSTGRES=1 (CI) it fails instead.
@Suite("Storage conformance")
struct StorageConformanceTests {
    @Test("SQLite backend", arguments: StorageConformance.cases)
    func sqlite(_ test: StorageConformance.Case) async throws {
        try await run(test, on: .sqlite)
    }

    @Test("PostgreSQL backend", .enabled(if: TestPostgres.isEnabled, "set FIELDSYNC_TEST_POSTGRES_URL (.ci/postgres start)"),
          arguments: StorageConformance.cases)
    func postgres(_ test: StorageConformance.Case) async throws {
        try await run(test, on: .postgres)
    }

    private func run(_ test: StorageConformance.Case, on backend: TestBackend) async throws {
        let storage = try await TestStorage.make(backend)
        do {
            try await StorageConformance.run(test, on: storage.storage)
        } catch {
            await storage.dispose()
            throw error
        }
        await storage.dispose()
    }
}
