// swift-tools-version: 6.1
import PackageDescription

// Dependencies flow one way: Core <- Store <- Client; Core <- Server; everything <- fieldsync.
// The terminal side (Core, Store, Client) links no NIO, Hummingbird or postgres-nio.
let package = Package(
    name: "FieldSync",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "FieldSyncCore", targets: ["FieldSyncCore"]),
        .library(name: "FieldSyncStore", targets: ["FieldSyncStore"]),
        .library(name: "FieldSyncClient", targets: ["FieldSyncClient"]),
        .library(name: "FieldSyncServer", targets: ["FieldSyncServer"]),
        .executable(name: "fieldsync", targets: ["fieldsync"]),
        .executable(name: "fieldsync-bench", targets: ["FieldSyncBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // `swift package generate-documentation` (.ci/docs); a command plugin only, linked into no target.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(name: "FieldSyncCore"),
        .target(
            name: "FieldSyncStore",
            dependencies: [
                "FieldSyncCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                // scrypt for the officer's key-encryption key (the terminal's data key is wrapped per officer).
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(
            name: "FieldSyncClient",
            dependencies: [
                "FieldSyncCore",
                "FieldSyncStore",
                "CZlib",
                "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "FieldSyncServer",
            dependencies: [
                "FieldSyncCore",
                // crc32_combine and raw deflate for pull ranges deflated once and spliced into gzip answers.
                "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]
        ),
        // Test doubles over the core alone (the test clock, the seeded generator, the record factory), for
        // every test target; FieldSyncTesting re-exports it.
        .target(name: "FieldSyncTestSupport", dependencies: ["FieldSyncCore"]),
        .target(
            name: "FieldSyncTesting",
            dependencies: [
                "FieldSyncTestSupport", "FieldSyncCore", "FieldSyncStore", "FieldSyncClient", "FieldSyncServer",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "fieldsync",
            dependencies: [
                "FieldSyncCore", "FieldSyncStore", "FieldSyncClient", "FieldSyncServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "FieldSyncBench",
            dependencies: [
                "FieldSyncCore", "CZlib", "FieldSyncStore", "FieldSyncClient", "FieldSyncServer", "FieldSyncTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "FieldSyncCoreTests", dependencies: ["FieldSyncCore", "FieldSyncTestSupport"]),
        .testTarget(
            name: "FieldSyncStoreTests",
            dependencies: [
                "FieldSyncStore", "FieldSyncCore", "FieldSyncTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "FieldSyncClientTests",
            dependencies: [
                "FieldSyncClient", "FieldSyncTesting", "FieldSyncServer", "FieldSyncStore", "FieldSyncCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Runs the CLI's own code (the demo scenario, output formatting) in-process; Help/ holds the
        // expected `--help` of every command.
        .testTarget(
            name: "FieldSyncCommandTests",
            dependencies: [
                "fieldsync", "FieldSyncClient", "FieldSyncTesting", "FieldSyncServer", "FieldSyncStore", "FieldSyncCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["Help"]
        ),
        // The deterministic simulator's seeds, the real-process fault tests and the wire fuzzer.
        .testTarget(
            name: "FieldSyncSimulationTests",
            dependencies: [
                "FieldSyncTesting", "FieldSyncClient", "FieldSyncServer", "FieldSyncStore", "FieldSyncCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["FuzzCorpus"]
        ),
        .testTarget(
            name: "FieldSyncServerTests",
            dependencies: [
                "FieldSyncServer", "FieldSyncTesting", "FieldSyncCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
