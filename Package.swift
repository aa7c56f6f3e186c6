// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "bailiff",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bailiff", targets: ["bailiff"]),
        .executable(name: "bailiffd", targets: ["bailiffd"]),
        .executable(name: "bailiff-conformance", targets: ["bailiff-conformance"]),
        .library(name: "BailiffConfig", targets: ["BailiffConfig"]),
        .library(name: "BailiffFilter", targets: ["BailiffFilter"]),
        .library(name: "BailiffJournal", targets: ["BailiffJournal"]),
        .library(name: "BailiffNetwork", targets: ["BailiffNetwork"]),
        .library(name: "BailiffBans", targets: ["BailiffBans"]),
        .library(name: "BailiffActions", targets: ["BailiffActions"]),
        .library(name: "BailiffEngine", targets: ["BailiffEngine"]),
        .library(name: "BailiffControl", targets: ["BailiffControl"]),
        .library(name: "BailiffService", targets: ["BailiffService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        // Linux headers Swift's Glibc module leaves out (eventfd, signalfd).
        .systemLibrary(name: "CLinux"),
        .target(
            name: "BailiffConfig",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")]
        ),
        .target(
            name: "BailiffFilter",
            dependencies: [
                "BailiffConfig", "CPCRE2",
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            // The per-line path is single-threaded by design; runtime exclusivity checks
            // on its state cost more than the matching they guard.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .target(name: "BailiffJournal", dependencies: ["CSystemd", "CLinux", "BailiffConfig"]),
        .target(name: "BailiffNetwork"),
        .target(
            name: "BailiffBans",
            dependencies: ["BailiffConfig", "BailiffNetwork", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "BailiffActions",
            dependencies: ["BailiffConfig", "BailiffNetwork", .product(name: "Subprocess", package: "swift-subprocess")]
        ),
        .target(name: "BailiffEngine", dependencies: ["BailiffConfig", "BailiffFilter", "BailiffJournal", "BailiffNetwork"]),
        .target(name: "BailiffControl"),
        .target(name: "BailiffService", dependencies: ["CSystemd"]),
        .target(
            name: "BailiffDaemon",
            dependencies: [
                "BailiffConfig", "BailiffJournal", "BailiffEngine", "BailiffNetwork", "BailiffBans", "BailiffActions",
                "BailiffControl", "BailiffService", "CLinux", "CSystemd",
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "bailiff",
            dependencies: [
                "BailiffConfig",
                "BailiffFilter",
                "BailiffJournal",
                "BailiffEngine",
                "BailiffControl",
                "BailiffNetwork",
                "BailiffActions",
                "BailiffBans",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "bailiffd",
            dependencies: ["BailiffDaemon", "BailiffJournal", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "bailiff-conformance",
            dependencies: [
                "BailiffConfig",
                "BailiffFilter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers shared by the test targets: a live journald, notify and raw control sockets, commands.
        .target(name: "BailiffTestSupport", dependencies: ["BailiffControl"], path: "Tests/Support"),
        .testTarget(name: "BailiffConfigTests", dependencies: ["BailiffConfig"]),
        .testTarget(name: "BailiffFilterTests", dependencies: ["BailiffFilter", "BailiffConfig"]),
        .testTarget(name: "BailiffJournalTests", dependencies: ["BailiffJournal", "BailiffTestSupport"]),
        .testTarget(name: "BailiffNetworkTests", dependencies: ["BailiffNetwork"]),
        .testTarget(name: "BailiffBansTests", dependencies: ["BailiffBans", "BailiffConfig", "BailiffNetwork", "BailiffTestSupport"]),
        .testTarget(name: "BailiffActionsTests", dependencies: ["BailiffActions", "BailiffConfig", "BailiffNetwork"]),
        .testTarget(name: "BailiffControlTests", dependencies: ["BailiffControl", "BailiffTestSupport"]),
        .testTarget(name: "BailiffServiceTests", dependencies: ["BailiffService", "BailiffTestSupport"]),
        .testTarget(name: "BailiffDaemonTests", dependencies: ["BailiffDaemon", "BailiffNetwork"]),
        .testTarget(name: "BailiffEngineTests", dependencies: ["BailiffEngine", "BailiffFilter", "BailiffConfig", "BailiffJournal", "BailiffNetwork", "BailiffTestSupport"]),
        .testTarget(name: "bailiffTests", dependencies: ["bailiff", "BailiffControl", "BailiffTestSupport"]),
        .testTarget(name: "bailiffdTests", dependencies: ["bailiffd", "bailiff", "BailiffBans", "BailiffControl", "BailiffTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
