import FieldSyncServer
import FieldSyncTesting
import Testing

/// PostgreSQL reads a pull page in chunks of rows (`Options.pageChunkRows`), all in one snapshot. With
/// chunks of 2 and 3 rows, every page of the paging cases spans several chunks, and a page cut by its
/// record limit or byte budget may end at a chunk's edge or inside one: the pages must be what one query
/// per page gives (the same cases, with the default chunk, run in `StorageConformanceTests`).
@Suite("PostgreSQL: pages read in chunks",
       .enabled(if: TestPostgres.isEnabled, "set FIELDSYNC_TEST_POSTGRES_URL (.ci/postgres start)"))
struct PostgresPageChunkTests {
    @Test("paging cases with pages spanning several chunks", arguments: [2, 3])
    func chunked(rows: Int) async throws {
        for test in StorageConformance.pagingCases {
            var options = PostgresStorage.Options()
            options.pageChunkRows = rows
            try await TestPostgres.withFreshStorage(options: options) { storage in
                try await StorageConformance.run(test, on: storage)
            }
        }
    }
}
