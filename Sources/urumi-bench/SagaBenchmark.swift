import ArgumentParser
import Simulator
import EventStore
import Foundation
import Logging
import Postgres
import PostgresEvents
import PostgresPersonalData
import PostgresReadModels
import Provisioning

/// `urumi-bench saga`: N stores through the real command handler, projector, saga queue and
/// coordinator on a zero-latency simulated cluster and PostgreSQL: time to all ready, stores/s
/// and database round trips per store (every statement the run's pool sent). With
/// `--operation update`, the same stores then each get a plan change (a day-two operation
/// saga), measured the same way, with the create saga as the baseline of the same run.
struct SagaBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saga",
        abstract: "Stores/s and database round trips per store through the real saga on a zero-latency simulated cluster.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "How many stores to provision.")
    var stores: Int = 1000

    @Option(help: "Sagas the coordinator runs at once.")
    var concurrency: Int = 32

    @Option(help: "Concurrent clients creating stores.")
    var creators: Int = 16

    @Option(help: "Pooled database connections.")
    var poolSize: Int = 24

    @Option(help: "create: provision the stores; update: provision them, then measure a plan change on each.")
    var operation: String = "create"

    @Flag(help: "End with one line of JSON holding every figure.")
    var json = false

    func validate() throws {
        guard stores > 0, concurrency > 0, creators > 0, poolSize > 1 else {
            throw ValidationError("--stores, --concurrency and --creators must be positive; --pool-size at least 2")
        }
        guard ["create", "update"].contains(operation) else { throw ValidationError("--operation must be create or update") }
    }

    func run() async throws {
        let server = try database.serverURL()
        var logger = Logger(label: "urumi-bench")
        logger.logLevel = .warning
        let figures = try await BenchDatabase.with(serverURL: server, maxConnections: 2, logger: logger) { database in
            try await measure(database, logger: logger)
        }
        print("stores: \(figures.stores) ready in \(format(figures.seconds)) s (\(format(figures.storesPerSecond)) stores/s)")
        print("create phase: \(format(figures.createSeconds)) s for \(figures.stores) POST-equivalents")
        print("round trips: \(figures.roundTrips) in all, \(format(figures.roundTripsPerStore)) per store (target <= 40)")
        print("events: \(figures.events) (\(format(Double(figures.events) / Double(figures.stores))) per store)")
        print("targets: 1,000 stores in under 30 s -> \(figures.seconds < 30 ? "met" : "missed") (for \(figures.stores) stores)")
        var object: [String: Any] = [
            "stores": figures.stores, "seconds": figures.seconds, "stores_per_second": figures.storesPerSecond,
            "round_trips": figures.roundTrips, "round_trips_per_store": figures.roundTripsPerStore,
            "events": figures.events, "create_seconds": figures.createSeconds, "concurrency": concurrency,
        ]
        if let update = figures.update {
            let perOperation = Double(update.roundTrips) / Double(figures.stores)
            print(
                "update: \(figures.stores) plan changes done in \(format(update.seconds)) s (\(format(Double(figures.stores) / update.seconds)) operations/s; request phase \(format(update.requestSeconds)) s)")
            print(
                "update round trips: \(update.roundTrips) in all, \(format(perOperation)) per operation = \(format(perOperation / figures.roundTripsPerStore))x the create saga's (target <= 1x)")
            print("update time per store: \(format(update.seconds / figures.seconds))x the create saga's")
            print("update events: \(update.events) (\(format(Double(update.events) / Double(figures.stores))) per operation)")
            object["update_seconds"] = update.seconds
            object["update_round_trips"] = update.roundTrips
            object["update_round_trips_per_operation"] = perOperation
            object["update_vs_create_round_trips"] = perOperation / figures.roundTripsPerStore
            object["update_events"] = update.events
        }
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        }
    }

    struct Figures: Sendable {
        var stores: Int
        var seconds: Double
        var createSeconds: Double
        var roundTrips: Int
        var events: Int
        var update: Update?
        var storesPerSecond: Double { Double(stores) / seconds }
        var roundTripsPerStore: Double { Double(roundTrips) / Double(stores) }
    }

    struct Update: Sendable {
        var seconds: Double
        var requestSeconds: Double
        var roundTrips: Int
        var events: Int
    }

    private func measure(_ database: BenchDatabase, logger: Logger) async throws -> Figures {
        let fleet = BenchFleet(database, poolSize: poolSize, concurrency: concurrency, logger: logger)
        let pool = fleet.pool
        let (total, creatorCount, updates) = (stores, creators, operation == "update")

        return try await fleet.running {
            let start = ContinuousClock.now
            let before = pool.roundTrips.count
            try await fleet.createStores(total, clients: creatorCount)
            let created = ContinuousClock.now - start
            try await fleet.waitUntil("select count(*) as n from store_view where status = 'ready'", counts: total)
            let elapsed = ContinuousClock.now - start
            let roundTrips = pool.roundTrips.count - before
            let events = try await fleet.eventCount()
            var figures = Figures(
                stores: total, seconds: elapsed.seconds, createSeconds: created.seconds, roundTrips: roundTrips, events: events)
            if updates {
                figures.update = try await Self.measureUpdates(fleet, clients: creatorCount, eventsBefore: events)
            }
            return figures
        }
    }

    /// A plan change on every (ready) store, through the same command handler and coordinator.
    private static func measureUpdates(_ fleet: BenchFleet, clients: Int, eventsBefore: Int) async throws -> Update {
        let ids = try await fleet.storeIDs()
        let commands = fleet.commands
        let start = ContinuousClock.now
        let before = fleet.pool.roundTrips.count
        try await fleet.forEachClient(clients, ids.count) { index in
            _ = try await commands.change(
                ids[index], kind: .update, change: StoreChange(plan: .medium), metadata: EventMetadata(actor: "bench"))
        }
        let requested = ContinuousClock.now - start
        try await fleet.waitUntil(
            "select count(*) as n from store_view where status = 'ready' and plan = 'medium'", counts: ids.count)
        let elapsed = ContinuousClock.now - start
        return Update(
            seconds: elapsed.seconds, requestSeconds: requested.seconds, roundTrips: fleet.pool.roundTrips.count - before,
            events: try await fleet.eventCount() - eventsBefore)
    }

    private func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
