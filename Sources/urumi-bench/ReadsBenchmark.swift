import ArgumentParser
import AsyncHTTPClient
import EventStore
import Foundation
import Logging
import NIOCore
import PostgresEvents
import PostgresPersonalData
import Provisioning

/// `urumi-bench reads`: N stores loaded as real events (`StoreLoader`), a real `urumi serve`
/// projects them, then in one run 32 clients on each read: the list (50 and 500), the list
/// filtered by status, one store, and `/health/live` as the floor every ratio is taken against.
struct ReadsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reads",
        abstract: "Read latency at scale (list pages, a filter, one store) against /health/live, with N stores.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "How many stores to load.")
    var stores: Int = 10_000

    @Option(help: "Concurrent clients per read.")
    var clients: Int = 32

    @Option(help: "Seconds each read is measured.")
    var seconds: Double = 3

    @Option(help: "Only these reads, comma-separated (health is always measured: the ratios need it).")
    var only: String?

    @Flag(help: "End with one line of JSON holding every figure.")
    var json = false

    func validate() throws {
        guard stores > 0, clients > 0, seconds > 0 else { throw ValidationError("--stores, --clients, --seconds positive") }
        let known = Set(Self.reads.map(\.name))
        for name in selected where !known.contains(name) {
            throw ValidationError("--only: unknown read \(name); known: \(Self.reads.map(\.name).joined(separator: ", "))")
        }
    }

    /// The reads to measure, health first.
    var selected: [String] {
        guard let only else { return Self.reads.map(\.name) }
        return ["health"] + only.split(separator: ",").map(String.init).filter { $0 != "health" }
    }

    /// The reads, in the order they are measured.
    static let reads: [(name: String, path: @Sendable ([StoreID]) -> String)] = [
        ("health", { _ in "/health/live" }),
        ("list50", { _ in "/stores?limit=50" }),
        ("list500", { _ in "/stores?limit=500" }),
        ("status50", { _ in "/stores?status=ready&limit=50" }),
        ("store", { ids in "/stores/\(ids.randomElement()!)" }),
    ]

    func run() async throws {
        let server = try database.serverURL()
        var logger = Logger(label: "urumi-bench")
        logger.logLevel = .warning
        let result = try await BenchDatabase.with(serverURL: server, maxConnections: 8, logger: logger) { database in
            let loadStart = ContinuousClock.now
            let ids = try await StoreLoader.load(
                stores, into: PostgresEventStore(pool: database.pool, logger: logger),
                vault: PostgresPersonalDataVault(pool: database.pool))
            let loaded = ContinuousClock.now - loadStart
            return try await BenchServer.with(database) { server in
                try await server.waitForProjection(stores, pool: database.pool)
                var figures: [String: (p50: Double, p99: Double, requests: Int)] = [:]
                for read in Self.reads where selected.contains(read.name) {
                    figures[read.name] = try await measure(port: server.port) { read.path(ids) }
                }
                return (figures, loaded.seconds, server.residentKiB)
            }
        }
        let (figures, loadSeconds, rssKiB) = result
        print("stores: \(stores) (loaded as events in \(String(format: "%.1f", loadSeconds)) s), \(clients) clients per read")
        for read in Self.reads {
            guard let f = figures[read.name] else { continue }
            let ratio = f.p99 / max(figures["health"]!.p99, 0.001)
            print(String(format: "%-9@ p50 %8.2f ms  p99 %8.2f ms  (%.1fx health p99)  %d requests", read.name as NSString, f.p50, f.p99, ratio, f.requests))
        }
        let health = max(figures["health"]!.p99, 0.001)
        let ratioList50 = (figures["list50"]?.p99 ?? .nan) / health
        let ratioList500 = (figures["list500"]?.p99 ?? .nan) / health
        print(String(format: "targets: list50 p99 <= 3x health (%.1fx), list500 p99 < 10x health (%.1fx), RSS < 200 MiB (%.0f MiB)",
            ratioList50, ratioList500, Double(rssKiB) / 1024))
        if json {
            var object: [String: Double] = [
                "stores": Double(stores), "clients": Double(clients), "rss_mib": Double(rssKiB) / 1024,
                "load_seconds": loadSeconds,
            ]
            if !ratioList50.isNaN { object["ratio_list50_p99"] = ratioList50 }
            if !ratioList500.isNaN { object["ratio_list500_p99"] = ratioList500 }
            for (name, f) in figures {
                object["\(name)_p50_ms"] = f.p50
                object["\(name)_p99_ms"] = f.p99
            }
            print(try StoreProjection.encodeJSON(object))
        }
    }

    /// `clients` keep-alive clients send `path()` back to back for `seconds`; latencies in ms.
    private func measure(port: Int, path: @escaping @Sendable () -> String) async throws
        -> (p50: Double, p99: Double, requests: Int)
    {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = clients
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let until = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var mine: [Double] = []
                    while ContinuousClock.now < until {
                        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path())")
                        let start = ContinuousClock.now
                        let response = try await client.execute(request, timeout: .seconds(60))
                        _ = try await response.body.collect(upTo: 16 << 20)
                        guard response.status == .ok else { throw BenchError.unexpected("\(path()): \(response.status)") }
                        mine.append((ContinuousClock.now - start).seconds * 1000)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        try await client.shutdown()
        return (Statistics.percentile(latencies, 50), Statistics.percentile(latencies, 99), latencies.count)
    }
}
