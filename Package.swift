// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "urumi",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "urumi", targets: ["urumi"]),
        .executable(name: "urumi-bench", targets: ["urumi-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
    ],
    targets: [
        // libpq, the PostgreSQL C client library (Debian: libpq-dev).
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // The only module that touches libpq pointers.
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The event store port, its value types and an in-memory implementation.
        .target(
            name: "EventStore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The domain: store commands and events, the saga, projections and the ports.
        .target(
            name: "Provisioning",
            dependencies: [
                "EventStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Adapters of the ClusterDriver port for a real cluster: Kubernetes REST client + Helm
        // CLI runner. The only library module importing AsyncHTTPClient and Subprocess (the
        // executables use AsyncHTTPClient as API clients).
        .target(
            name: "Cluster",
            dependencies: [
                "EventStore",
                "Provisioning",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The simulated cluster: a ClusterDriver for development, demos, tests and benchmarks,
        // with its inventory in memory or in PostgreSQL (schema/simulator/).
        .target(
            name: "Simulator",
            dependencies: [
                "Provisioning", "Postgres", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The composition root: `buildApplication` over `.live(...)` or `.inMemory(clock:)`
        // dependencies (used by `urumi serve`, tests and benchmarks).
        .target(
            name: "UrumiApp",
            dependencies: [
                "Auth", "Cluster", "EventStore", "HTTPAPI", "Postgres", "PostgresEvents", "PostgresReadModels", "PostgresSessions", "Provisioning",
                "PersonalData", "PostgresPersonalData",
                "Simulator",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // API tokens and roles (hashing, constant-time checks), kept in the event log.
        .target(
            name: "Auth",
            dependencies: ["EventStore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The HTTP API (the only module that imports Hummingbird).
        .target(
            name: "HTTPAPI",
            dependencies: [
                "Auth",
                "Provisioning",
                "EventStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Dashboard")]
        ),
        // The event store on PostgreSQL (append, gap-free reads, LISTEN/NOTIFY wake-ups, audit
        // queries) and the migration runner for schema/.
        .target(
            name: "PostgresEvents",
            dependencies: [
                "Postgres",
                "EventStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The read models on PostgreSQL: the projector (store list + saga queue, one
        // transaction per batch), the store list's queries, and the saga queue with its leases.
        .target(
            name: "PostgresReadModels",
            dependencies: [
                "Postgres",
                "PostgresEvents",
                "PostgresPersonalData",
                "EventStore",
                "Provisioning",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Personal data sealed with a key per store (AES-GCM through swift-crypto, already
        // used by Auth): the key ring and an in-memory vault.
        .target(
            name: "PersonalData",
            dependencies: ["Provisioning", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The stores' keys in PostgreSQL (store_keys), beside the log.
        .target(
            name: "PostgresPersonalData",
            dependencies: ["Postgres", "PersonalData", "Provisioning", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Dashboard sessions on PostgreSQL.
        .target(name: "PostgresSessions", dependencies: ["Postgres", "Auth"]),
        .executableTarget(
            name: "urumi",
            dependencies: [
                "Auth",
                "PersonalData",
                "PostgresPersonalData",
                "PostgresEvents",
                "PostgresReadModels",
                "EventStore",
                "Provisioning",
                "Cluster",
                "HTTPAPI",
                "Simulator",
                "UrumiApp",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "urumi-bench",
            dependencies: [
                "Postgres",
                "PostgresEvents",
                "PostgresReadModels",
                "PersonalData",
                "PostgresPersonalData",
                "Simulator",
                "UrumiApp",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                "EventStore",
                "Provisioning",
                "Cluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Test support shared by the test targets: throwaway databases.
        .target(
            name: "TestSupport",
            dependencies: ["Postgres", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"
        ),
        // The application in process (HummingbirdTesting) over in-memory dependencies, with a
        // manual clock.
        .testTarget(
            name: "AppTests",
            dependencies: [
                "TestSupport", "UrumiApp", "HTTPAPI", "Provisioning", "EventStore", "Simulator", "PersonalData",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ProvisioningTests",
            dependencies: ["Provisioning", "EventStore"],
            // Frozen wire formats, read from the checkout by the tests (not bundled).
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "TestSupport",
                "Provisioning",
                "Simulator",
                "Postgres",
                "PostgresEvents",
                "PostgresReadModels",
                "PersonalData",
                "PostgresPersonalData",
                "EventStore",
                "urumi",
                "UrumiApp",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The Kubernetes and Helm adapters against a Kubernetes API test server (HTTPS,
        // Hummingbird) and a helm stand-in; the whole saga through `urumi serve --cluster kubernetes`.
        .testTarget(
            name: "ClusterTests",
            dependencies: [
                "TestSupport",
                "Cluster",
                "Provisioning",
                "Postgres",
                "urumi",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EventStoreTests",
            dependencies: [
                "TestSupport",
                "Provisioning",
                "Simulator",
                "EventStore",
                "PostgresEvents",
                "PostgresReadModels",
                "PersonalData",
                "PostgresPersonalData",
                "Postgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
