import FieldSyncCore
import FieldSyncServer
import FieldSyncTesting
import Testing

/// The push's lookups and a pull page stay on their indexes on tables the planner has no statistics for
/// (a new deployment, a migration, a table growing faster than autovacuum analyses it). Each of the
/// earlier forms read the whole table per push or per page there: `number = ANY($1)` became a
/// sequential scan, a plain join on the unnested keys a hash join over the table, and the page a bitmap
/// scan and sort of every later change of the scope.
@Suite("PostgreSQL: query plans independent of statistics",
       .enabled(if: TestPostgres.isEnabled, "set FIELDSYNC_TEST_POSTGRES_URL (.ci/postgres start)"))
struct PostgresPlanTests {
    @Test("record and receipt lookups probe their primary keys; pages read the scope index in order")
    func plans() async throws {
        try await TestPostgres.withFreshStorage { storage in
            // 60,000 rows in each table, written at once and never analysed.
            for sql in [
                """
                INSERT INTO records (id, type, seq, state, units, needs_person)
                SELECT 'r-' || g, 'patrolSignIn', g, convert_to(repeat('x', 900), 'UTF8'), 'KH.P03.S012', false
                FROM generate_series(1, 60000) g
                """,
                "INSERT INTO receipt_numbers (number, record_id) SELECT 'KH.P03.S012-' || lpad(g::text, 7, '0'), 'r-' || g FROM generate_series(1, 60000) g",
                """
                INSERT INTO scope_changes (scope, seq, record_id)
                SELECT s, g, 'r-' || g FROM generate_series(1, 60000) g, unnest(ARRAY['KH', 'KH.P03', 'KH.P03.S012']) s
                """,
            ] {
                try await storage.execute(unsafeSQL: sql)
            }
            let ids = (59_000..<59_500).map { "r-\($0)" }
            let numbers = (59_000..<59_500).map { "KH.P03.S012-" + String(repeating: "0", count: 7 - String($0).count) + String($0) }
            for scopes in [[UnitID("KH.P03.S012")], [UnitID("KH.P03.S012"), UnitID("KH.P03")]] {
                let plans = try await storage.queryPlans(ids: ids, numbers: numbers, scopes: scopes, after: 1_000)
                #expect(plans.count == 3)
                for (name, plan) in plans {
                    #expect(!plan.contains("Seq Scan") && !plan.contains("Bitmap"), "\(name), scopes \(scopes):\n\(plan)")
                    #expect(plan.contains("Index"), "\(name), scopes \(scopes):\n\(plan)")
                }
            }
        }
    }
}
