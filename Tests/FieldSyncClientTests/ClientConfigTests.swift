import FieldSyncClient
import FieldSyncStore
import Foundation
import Testing

/// The terminal's configuration file: defaults for missing keys, paths relative to the file, and
/// errors that say what to do.
@Suite struct ClientConfigTests {
    func write(_ json: String) throws -> (directory: URL, path: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("client.json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return (directory, path)
    }

    @Test func missingKeysTakeTheDefaultsAndRelativePathsFollowTheFile() throws {
        let (directory, path) = try write(#"{"serverURL": "https://sync.example:8740", "storePath": "data/t.sqlite", "keyFile": "/etc/fieldsync/t.key"}"#)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try ClientConfig.load(path: path)
        #expect(config.serverURL == "https://sync.example:8740")
        #expect(config.storePath == directory.appendingPathComponent("data/t.sqlite").standardizedFileURL.path)
        #expect(config.keyFile == "/etc/fieldsync/t.key")
        #expect(config.statusFile == directory.appendingPathComponent("fieldsync-status.json").standardizedFileURL.path)
        #expect(config.syncIntervalSeconds == 300 && config.batchSize == 500 && config.pageSize == 10_000)
        #expect(config.backoff.ceiling(afterFailures: 1) == 2_000 && config.backoff.capMilliseconds == 300_000)
        #expect(config.enrollmentToken == nil)
        #expect(config.sessionDirectory == "/run/fieldsync")
        #expect(try config.storeKeys() == StoreKeys(sessionDirectory: "/run/fieldsync", cost: .standard, legacyKeyFile: "/etc/fieldsync/t.key"))
    }

    @Test func scryptParametersScryptRefusesAreAConfigurationError() throws {
        let (directory, path) = try write(#"{"scryptRounds": 1000}"#)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect { try ClientConfig.load(path: path).storeKeys() } throws: { error in
            (error as? ClientError)?.code == .configuration
        }
    }

    @Test("durations that would trap as milliseconds (1e20, 0, negative) are a configuration error naming the key",
          arguments: ["syncIntervalSeconds", "backoffCapSeconds", "backoffBaseSeconds", "requestTimeoutSeconds"], ["1e20", "0", "-5"])
    func outOfRangeDurations(key: String, value: String) throws {
        let (directory, path) = try write("{\"\(key)\": \(value)}")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect { try ClientConfig.load(path: path) } throws: { error in
            (error as? ClientError)?.code == .configuration && "\(error)".contains(key)
        }
    }

    @Test func theExampleConfigurationIsValid() throws {
        // Tests run from the package root, where ClientConfig/ lives.
        let config = try ClientConfig.load(path: "ClientConfig/fieldsync-client.json")
        #expect(config.storePath == "/var/lib/fieldsync/terminal.sqlite")
        #expect(try config.storeKeys().cost == .standard)
        #expect(config.loggerLevel == .info)
    }

    @Test func aMissingOrInvalidFileIsAConfigurationError() throws {
        #expect { try ClientConfig.load(path: "/nonexistent/client.json") } throws: { error in
            (error as? ClientError)?.code == .configuration
        }
        let (directory, path) = try write(#"{"batchSize": "many"}"#)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect { try ClientConfig.load(path: path) } throws: { error in
            (error as? ClientError)?.code == .configuration
        }
    }
}
