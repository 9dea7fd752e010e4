// swift-tools-version: 6.0
import PackageDescription

// Module map (see docs/ARCHITECTURE.md):
//   TraduCore      pure domain: manifests, validation, diagnostics, schemas. No I/O.
//   TraduYAML      adapter: libyaml events -> TraduCore.Node
//   TraduPostgres  adapter: libpq client (queries, COPY, LISTEN/NOTIFY), off the cooperative pool
//   TraduHTTP      adapter: libcurl client, off the cooperative pool
//   TraduStore     tradu's tables and migrations, one PostgreSQL schema per environment
//   TraduEmbeddedPostgres  the local PostgreSQL that tradu starts itself
//   TraduApp       use cases wiring the adapters to the core
//   TraduAPI       the HTTP API (`tradu serve`, Hummingbird 2): a thin shell over TraduApp's use cases
//   tradu          thin command line (swift-argument-parser)
let package = Package(
    name: "tradu",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tradu", targets: ["tradu"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CLibCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        .target(name: "TraduCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "TraduYAML", dependencies: ["TraduCore", "CLibYAML"]),
        .target(
            name: "TraduPostgres",
            dependencies: [
                "CLibPQ", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "TraduHTTP",
            dependencies: ["TraduCore", "CLibCurl"]),
        .target(name: "TraduSources", dependencies: ["TraduCore", "TraduHTTP"]),
        .target(name: "TraduEngines", dependencies: ["TraduCore", "TraduHTTP"]),
        .target(
            name: "TraduStore",
            dependencies: ["TraduCore", "TraduPostgres", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "TraduEmbeddedPostgres",
            dependencies: ["TraduPostgres", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "TraduApp",
            dependencies: [
                "TraduCore", "TraduYAML", "TraduHTTP", "TraduSources", "TraduStore", "TraduEmbeddedPostgres",
                "TraduEngines",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .target(
            name: "TraduAPI",
            dependencies: [
                "TraduApp", "TraduCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "tradu",
            dependencies: [
                "TraduApp", "TraduCore", "TraduAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "tradu-bench",
            dependencies: [
                "TraduApp", "TraduCore", "TraduStore", "TraduPostgres", "TraduEmbeddedPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .target(
            name: "TraduTestSupport",
            dependencies: ["TraduPostgres", "TraduEmbeddedPostgres"],
            path: "Tests/TraduTestSupport"),
        .testTarget(name: "TraduCoreTests", dependencies: ["TraduCore"]),
        .testTarget(name: "TraduYAMLTests", dependencies: ["TraduYAML", "TraduCore"]),
        .testTarget(
            name: "TraduPostgresTests",
            dependencies: ["TraduPostgres", "TraduTestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "TraduHTTPTests", dependencies: ["TraduHTTP", "TraduTestSupport"]),
        .testTarget(
            name: "TraduStoreTests", dependencies: ["TraduStore", "TraduCore", "TraduPostgres", "TraduTestSupport"]),
        .testTarget(
            name: "TraduEmbeddedPostgresTests",
            dependencies: ["TraduEmbeddedPostgres", "TraduPostgres", "TraduTestSupport"]),
        .testTarget(name: "TraduSourcesTests", dependencies: ["TraduSources", "TraduCore", "TraduTestSupport"]),
        .testTarget(name: "TraduEnginesTests", dependencies: ["TraduEngines", "TraduCore", "TraduTestSupport"]),
        .testTarget(
            name: "TraduAppTests",
            dependencies: [
                "TraduApp", "TraduCore", "TraduYAML", "TraduHTTP", "TraduSources", "TraduEmbeddedPostgres",
                "TraduTestSupport", "TraduAPI", .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            exclude: ["Fixtures"]),
        .testTarget(name: "DeployTests", dependencies: ["TraduApp", "TraduTestSupport"], exclude: []),

    ]
)
