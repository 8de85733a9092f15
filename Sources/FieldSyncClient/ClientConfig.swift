import FieldSyncStore
import Foundation
import Logging

/// A terminal's configuration: one JSON file (see ClientConfig/fieldsync-client.json and
/// ClientConfig/README.md, which documents every key). Keys left out take the defaults below.
public struct ClientConfig: Codable, Sendable, Hashable {
    /// The server's base URL, e.g. `https://sync.kh.police.example:8740`.
    public var serverURL: String
    /// The terminal's SQLite store, created by its first officer (`fieldsync officer add --first`). Its
    /// directory is made 0700; its keyring is `<storePath>.keyring`.
    public var storePath: String
    /// A v3 store's AES key file (before records were sealed at rest): read once, when the store's first
    /// officer is added, to seal the store under the new data key; then destroyed. Unused otherwise.
    public var keyFile: String
    /// Where a signed-in officer's session lives for the terminal's processes. Must be RAM-only (tmpfs),
    /// so that a powered-off terminal holds no usable key.
    public var sessionDirectory: String
    /// The scrypt cost (N, r, p) of the key-encryption key of officers added on this terminal.
    public var scryptRounds: Int
    /// scrypt's r (positive).
    public var scryptBlockSize: Int
    /// scrypt's p (positive).
    public var scryptParallelism: Int
    /// The name this terminal enrolls under; administrators see it in `fieldsync admin devices`.
    public var deviceName: String
    /// A one-time enrollment token from `fieldsync admin enroll`; used once, when the store is not enrolled.
    public var enrollmentToken: String?
    /// The officer that CLI writes name when `--officer` is not given.
    public var defaultOfficer: String?
    /// Where the daemon writes its status after every round, for `fieldsync status`.
    public var statusFile: String
    /// Seconds one request may take, a large pull page included (`HTTPTransport`'s `timeout`).
    public var requestTimeoutSeconds: Double
    /// Sync at least this often while nothing changes locally.
    public var syncIntervalSeconds: Double
    /// Backoff after a failed round: the first ceiling and the largest (full jitter below each ceiling).
    public var backoffBaseSeconds: Double
    /// The largest backoff ceiling, in seconds.
    public var backoffCapSeconds: Double
    /// Records per push batch and per pull page.
    public var batchSize: Int
    /// Records per pull page asked for (the server caps it, at 10,000 by default; pages are also bounded
    /// by 4 MiB of states).
    public var pageSize: Int
    /// trace, debug, info, notice, warning, error or critical.
    public var logLevel: String
    /// A PEM file of the one CA the terminal trusts for an `https` serverURL (the force's own CA); the
    /// system's bundle is then not trusted. nil: the system's bundle.
    public var caFile: String?

    /// A configuration; every value left out takes the default shown. Nothing is checked here:
    /// `TerminalSession.init` checks the URL and `storeKeys()` the scrypt cost.
    public init(serverURL: String = "http://127.0.0.1:8740", storePath: String = "fieldsync-terminal/terminal.sqlite",
                keyFile: String = "fieldsync-terminal.key", sessionDirectory: String = "/run/fieldsync",
                scryptRounds: Int = KeyDerivationCost.standard.rounds, scryptBlockSize: Int = KeyDerivationCost.standard.blockSize,
                scryptParallelism: Int = KeyDerivationCost.standard.parallelism, deviceName: String = ProcessInfo.processInfo.hostName,
                enrollmentToken: String? = nil, defaultOfficer: String? = nil, statusFile: String = "fieldsync-status.json",
                requestTimeoutSeconds: Double = 30, syncIntervalSeconds: Double = 300, backoffBaseSeconds: Double = 2,
                backoffCapSeconds: Double = 300, batchSize: Int = 500, pageSize: Int = 10_000, logLevel: String = "info") {
        self.serverURL = serverURL
        self.storePath = storePath
        self.keyFile = keyFile
        self.sessionDirectory = sessionDirectory
        self.scryptRounds = scryptRounds
        self.scryptBlockSize = scryptBlockSize
        self.scryptParallelism = scryptParallelism
        self.deviceName = deviceName
        self.enrollmentToken = enrollmentToken
        self.defaultOfficer = defaultOfficer
        self.statusFile = statusFile
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.syncIntervalSeconds = syncIntervalSeconds
        self.backoffBaseSeconds = backoffBaseSeconds
        self.backoffCapSeconds = backoffCapSeconds
        self.batchSize = batchSize
        self.pageSize = pageSize
        self.logLevel = logLevel
    }

    /// Decodes a configuration file: every key is optional and takes the default of `init` when absent.
    /// Paths are taken as written (`load(path:)` resolves relative ones).
    /// - Throws: `DecodingError` for a key of the wrong type.
    public init(from decoder: any Decoder) throws {
        let defaults = ClientConfig()
        let keys = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try keys.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        self.init(serverURL: try value(.serverURL, defaults.serverURL), storePath: try value(.storePath, defaults.storePath),
                  keyFile: try value(.keyFile, defaults.keyFile),
                  sessionDirectory: try value(.sessionDirectory, defaults.sessionDirectory),
                  scryptRounds: try value(.scryptRounds, defaults.scryptRounds),
                  scryptBlockSize: try value(.scryptBlockSize, defaults.scryptBlockSize),
                  scryptParallelism: try value(.scryptParallelism, defaults.scryptParallelism),
                  deviceName: try value(.deviceName, defaults.deviceName),
                  enrollmentToken: try keys.decodeIfPresent(String.self, forKey: .enrollmentToken),
                  defaultOfficer: try keys.decodeIfPresent(String.self, forKey: .defaultOfficer),
                  statusFile: try value(.statusFile, defaults.statusFile),
                  requestTimeoutSeconds: try value(.requestTimeoutSeconds, defaults.requestTimeoutSeconds),
                  syncIntervalSeconds: try value(.syncIntervalSeconds, defaults.syncIntervalSeconds),
                  backoffBaseSeconds: try value(.backoffBaseSeconds, defaults.backoffBaseSeconds),
                  backoffCapSeconds: try value(.backoffCapSeconds, defaults.backoffCapSeconds),
                  batchSize: try value(.batchSize, defaults.batchSize), pageSize: try value(.pageSize, defaults.pageSize),
                  logLevel: try value(.logLevel, defaults.logLevel))
        caFile = try keys.decodeIfPresent(String.self, forKey: .caFile)
    }

    /// Reads `path`; relative store, key, session, status and CA paths are taken relative to the file's
    /// directory, so a configuration directory can be moved as a whole.
    /// - Throws: `ClientError` `.configuration` when the file cannot be read or decoded, or `caFile`
    ///   cannot be read.
    public static func load(path: String) throws -> ClientConfig {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ClientError(.configuration, "cannot read the configuration \(path): create it from ClientConfig/fieldsync-client.json")
        }
        var config: ClientConfig
        do { config = try JSONDecoder().decode(ClientConfig.self, from: data) } catch {
            throw ClientError(.configuration, "\(path) is not a valid configuration: \(error)")
        }
        try config.validateDurations(in: path)
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ file: String) -> String {
            file.hasPrefix("/") ? file : base.appendingPathComponent(file).standardizedFileURL.path
        }
        config.storePath = resolve(config.storePath)
        config.keyFile = resolve(config.keyFile)
        config.sessionDirectory = resolve(config.sessionDirectory)
        config.statusFile = resolve(config.statusFile)
        config.caFile = config.caFile.map(resolve)
        if let caFile = config.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ClientError(.configuration, "caFile \(caFile) cannot be read")
        }
        return config
    }

    /// Every duration is a finite number of seconds above 0 and at most a week: they become milliseconds
    /// and timers, where 1e20 or NaN would trap.
    func validateDurations(in path: String) throws {
        let durations = [("requestTimeoutSeconds", requestTimeoutSeconds), ("syncIntervalSeconds", syncIntervalSeconds),
                         ("backoffBaseSeconds", backoffBaseSeconds), ("backoffCapSeconds", backoffCapSeconds)]
        for (key, seconds) in durations where !(seconds.isFinite && seconds > 0 && seconds <= 604_800) {
            throw ClientError(.configuration, "\(path): \(key) must be more than 0 and at most 604800 seconds (a week), not \(seconds)")
        }
    }

    /// The daemon's backoff: `backoffBaseSeconds` and `backoffCapSeconds` in milliseconds, the base
    /// raised to at least 1 ms and the cap to at least the base.
    public var backoff: Backoff {
        Backoff(baseMilliseconds: max(Int64(backoffBaseSeconds * 1_000), 1),
                capMilliseconds: max(Int64(backoffCapSeconds * 1_000), max(Int64(backoffBaseSeconds * 1_000), 1)))
    }

    /// The store's key settings.
    /// - Throws: `.configuration` for scrypt parameters scrypt refuses.
    public func storeKeys() throws -> StoreKeys {
        guard scryptRounds > 1, scryptRounds & (scryptRounds - 1) == 0, scryptBlockSize > 0, scryptParallelism > 0 else {
            throw ClientError(.configuration, "scryptRounds must be a power of two above 1, scryptBlockSize and scryptParallelism positive")
        }
        return StoreKeys(sessionDirectory: sessionDirectory,
                         cost: KeyDerivationCost(rounds: scryptRounds, blockSize: scryptBlockSize, parallelism: scryptParallelism),
                         legacyKeyFile: keyFile)
    }

    /// `logLevel` as a swift-log level; `.info` for a name swift-log does not know.
    public var loggerLevel: Logger.Level { Logger.Level(rawValue: logLevel) ?? .info }
}
