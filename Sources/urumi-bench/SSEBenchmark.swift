import ArgumentParser
import EventStore
import Foundation
import Logging
import Postgres
import PostgresEvents
import PostgresReadModels

/// `urumi-bench sse`: a real `urumi serve` (the binary beside this one), N concurrent SSE
/// clients on loopback, events appended at a steady rate: commit → client latency and the
/// server's memory with 0 and N clients.
struct SSEBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sse",
        abstract: "SSE fan-out: commit-to-client latency p50/p99 and memory per client, against a real urumi serve.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "Concurrent SSE clients.")
    var clients: Int = 1000

    @Option(help: "Appends per second while measuring.")
    var rate: Double = 50

    @Option(help: "How long to append, in seconds.")
    var seconds: Double = 5

    @Flag(help: "End with one line of JSON holding every figure.")
    var json = false

    func validate() throws {
        guard clients > 0, clients <= 10_000, rate > 0, seconds > 0 else {
            throw ValidationError("--clients 1-10000; --rate and --seconds positive")
        }
    }

    func run() async throws {
        let server = try database.serverURL()
        var logger = Logger(label: "urumi-bench")
        logger.logLevel = .warning
        let figures = try await BenchDatabase.with(serverURL: server, maxConnections: 4, logger: logger) { database in
            try await measure(database, logger: logger)
        }
        print("clients: \(clients), events: \(figures.events) at \(rate)/s, deliveries: \(figures.deliveries) of \(figures.expected)")
        print(String(format: "commit -> client latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 < 25 ms)",
            figures.p50, figures.p99, figures.max))
        print("server RSS: \(figures.rssIdleKiB) KiB with 0 clients, \(figures.rssClientsKiB) KiB with \(clients)")
        print(String(format: "memory per idle client: %.1f KiB (target < 64 KiB)", figures.kibPerClient))
        if json {
            let object: [String: Any] = [
                "clients": clients, "events": figures.events, "deliveries": figures.deliveries,
                "expected_deliveries": figures.expected, "p50_ms": figures.p50, "p99_ms": figures.p99,
                "max_ms": figures.max, "rss_idle_kib": figures.rssIdleKiB, "rss_clients_kib": figures.rssClientsKiB,
                "kib_per_client": figures.kibPerClient,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        }
    }

    struct Figures {
        var events = 0
        var deliveries = 0
        var expected = 0
        var p50 = 0.0
        var p99 = 0.0
        var max = 0.0
        var rssIdleKiB = 0
        var rssClientsKiB = 0
        var kibPerClient = 0.0
    }

    private func measure(_ database: BenchDatabase, logger: Logger) async throws -> Figures {
        try await BenchServer.with(database, arguments: ["--sse-queue-limit", "100000"]) { server in
            try await measure(database, server: server, logger: logger)
        }
    }

    private func measure(_ database: BenchDatabase, server: BenchServer, logger: Logger) async throws -> Figures {
        let port = server.port
        let process = server.process.value
        var figures = Figures()
        try await Task.sleep(for: .seconds(1))
        figures.rssIdleKiB = residentKiB(of: process.processIdentifier) ?? 0

        let sse = try SSEClients(count: clients, port: port)
        defer { sse.close() }
        let greetingDeadline = ContinuousClock.now + .seconds(60)
        while sse.greetedCount < clients, ContinuousClock.now < greetingDeadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        guard sse.greetedCount == clients else { throw BenchError.unexpected("only \(sse.greetedCount) of \(clients) clients connected") }
        try await Task.sleep(for: .seconds(1))
        figures.rssClientsKiB = residentKiB(of: process.processIdentifier) ?? 0
        figures.kibPerClient = Double(figures.rssClientsKiB - figures.rssIdleKiB) / Double(clients)

        // Steady appends; each commit time is taken when the append returns.
        let pool = database.makePool(maxConnections: 4, logger: logger)
        let store = PostgresEventStore(pool: pool, logger: logger)
        var commits: [String: Double] = [:]
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }  // NOTIFY after commit, as the server's own appends do
            try await Task.sleep(for: .milliseconds(300))
            let total = Int(rate * seconds)
            let interval = 1.0 / rate
            let begin = monotonicSeconds()
            let stream = try StreamID("bench-sse")
            for index in 0..<total {
                let due = begin + Double(index) * interval
                let wait = due - monotonicSeconds()
                if wait > 0 { try await Task.sleep(for: .microseconds(Int64(wait * 1e6))) }
                let result = try await store.append(
                    to: stream, expected: .any,
                    events: [NewEvent(type: "bench.tick.v1", data: #"{"n":\#(index)}"#, metadata: EventMetadata(actor: "bench"))])
                commits[result.lastCursor.description] = monotonicSeconds()
            }
            group.cancelAll()
        }
        await pool.close()
        figures.events = commits.count
        figures.expected = commits.count * clients
        let settle = ContinuousClock.now + .seconds(10)
        while sse.deliveries.count < figures.expected, ContinuousClock.now < settle {
            try await Task.sleep(for: .milliseconds(100))
        }
        var latencies: [Double] = []
        latencies.reserveCapacity(figures.expected)
        for delivery in sse.deliveries {
            if let committed = commits[delivery.cursor] { latencies.append((delivery.at - committed) * 1000) }
        }
        figures.deliveries = latencies.count
        if !latencies.isEmpty {
            figures.p50 = Statistics.percentile(latencies, 50)
            figures.p99 = Statistics.percentile(latencies, 99)
            figures.max = latencies.max() ?? 0
        }
        return figures
    }
}
