import FieldSyncServer
import Testing

@Suite("Server configuration: storage keys")
struct ServerConfigTests {
    @Test("storage tuning keys are read from the environment, with the documented defaults")
    func storageKeys() async throws {
        let defaults = try await ServerConfig.load(path: nil, environment: [:])
        #expect(defaults.sqliteWriterCacheMegabytes == 2)
        #expect(defaults.postgresTimeoutSeconds == 30)
        let set = try await ServerConfig.load(path: nil, environment: [
            "FIELDSYNC_STORAGE_SQLITE_WRITER_CACHE_MEGABYTES": "256",
            "FIELDSYNC_STORAGE_POSTGRES_TIMEOUT_SECONDS": "5",
        ])
        #expect(set.sqliteWriterCacheMegabytes == 256)
        #expect(set.postgresTimeoutSeconds == 5)
    }

    @Test("a page cache under 2 MiB or a PostgreSQL timeout under 1 s is a configuration error naming the key",
          arguments: [
              ["FIELDSYNC_STORAGE_SQLITE_WRITER_CACHE_MEGABYTES": "1"],
              ["FIELDSYNC_STORAGE_BACKEND": "postgres", "FIELDSYNC_STORAGE_POSTGRES_URL": "postgres://u@127.0.0.1/db",
               "FIELDSYNC_STORAGE_POSTGRES_TIMEOUT_SECONDS": "0"],
          ])
    func badValues(_ environment: [String: String]) async throws {
        let key = environment.keys.contains("FIELDSYNC_STORAGE_POSTGRES_TIMEOUT_SECONDS") ? "postgresTimeoutSeconds" : "sqliteWriterCacheMegabytes"
        do {
            _ = try await ServerConfig.load(path: nil, environment: environment)
            Issue.record("accepted \(environment)")
        } catch let error as ServerConfigError {
            #expect("\(error)".contains(key), "\(error)")
        }
    }

    @Test("pull pages: 10,000 records and 4 MiB by default; a byte cap under 1024 is refused naming the key")
    func pullPageKeys() async throws {
        let defaults = try await ServerConfig.load(path: nil, environment: [:])
        #expect(defaults.service.pullPageCap == 10_000 && defaults.service.pullPageBytes == 4 * 1_024 * 1_024)
        let set = try await ServerConfig.load(path: nil, environment: ["FIELDSYNC_LIMITS_PULL_PAGE_BYTES": "65536"])
        #expect(set.service.pullPageBytes == 65_536)
        for bad in ["1023", "0", "-1"] {
            do {
                _ = try await ServerConfig.load(path: nil, environment: ["FIELDSYNC_LIMITS_PULL_PAGE_BYTES": bad])
                Issue.record("accepted pullPageBytes \(bad)")
            } catch let error as ServerConfigError {
                #expect("\(error)".contains("pullPageBytes"), "\(error)")
            }
        }
    }
}
