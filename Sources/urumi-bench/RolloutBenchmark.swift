import ArgumentParser
import EventStore
import Foundation
import Logging
import Postgres
import PostgresEvents
import PostgresPersonalData
import PostgresReadModels
import Provisioning
import Simulator

/// `urumi-bench rollout`: N ready stores on a zero-latency simulated cluster and PostgreSQL,
/// then, in the same run, (1) the baseline: the same kind of update sent store by store by
/// concurrent clients, each followed by the store's order canary, and (2) one rollout over all
/// of them (waves 1, 10%, 50%, 100%; each store's operation, then its canary). Seconds end to
/// end and database round trips per store (every statement the counted pool sent) for both,
/// and their ratio.
struct RolloutBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "A rollout over N stores vs the same updates sent one by one: seconds and round trips per store.")

    @Option(name: .customLong("database-url"), help: "PostgreSQL server URL (default: $DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "How many stores.")
    var stores: Int = 1000

    @Option(help: "Sagas the coordinator runs at once.")
    var concurrency: Int = 32

    @Option(help: "Concurrent clients (creating stores; the baseline's updates).")
    var clients: Int = 16

    @Option(name: .customLong("rollout-concurrency"), help: "Stores the rollout starts or checks at once.")
    var rolloutConcurrency: Int = 16

    @Option(help: "Pooled database connections.")
    var poolSize: Int = 24

    @Flag(help: "End with one line of JSON holding every figure.")
    var json = false

    func validate() throws {
        guard stores > 0, concurrency > 0, clients > 0, rolloutConcurrency > 0, poolSize > 1 else {
            throw ValidationError("counts must be positive; --pool-size at least 2")
        }
    }

    struct Phase {
        var seconds: Double
        var roundTrips: Int
    }

    func run() async throws {
        guard let server = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] else {
            throw ValidationError("no database: pass --database-url or set DATABASE_URL")
        }
        var logger = Logger(label: "urumi-bench")
        logger.logLevel = .warning
        let (baseline, rollout) = try await BenchDatabase.with(serverURL: server, maxConnections: 2, logger: logger) { database in
            try await measure(database, logger: logger)
        }
        let n = Double(stores)
        func format(_ value: Double) -> String { String(format: "%.2f", value) }
        print("stores: \(stores) (zero-latency simulated cluster)")
        print(
            "baseline (one by one, \(clients) clients): \(format(baseline.seconds)) s, \(format(Double(baseline.roundTrips) / n)) round trips per store (update + wait + canary)")
        print(
            "rollout (waves 1, 10%, 50%, 100%): \(format(rollout.seconds)) s, \(format(Double(rollout.roundTrips) / n)) round trips per store")
        print(
            "rollout / baseline: \(format(rollout.seconds / baseline.seconds))x the time, \(format(Double(rollout.roundTrips) / Double(baseline.roundTrips)))x the round trips")
        if json {
            let object: [String: Any] = [
                "stores": stores, "baseline_seconds": baseline.seconds, "baseline_round_trips": baseline.roundTrips,
                "rollout_seconds": rollout.seconds, "rollout_round_trips": rollout.roundTrips,
                "rollout_round_trips_per_store": Double(rollout.roundTrips) / n,
                "baseline_round_trips_per_store": Double(baseline.roundTrips) / n,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        }
    }

    private func measure(_ database: BenchDatabase, logger: Logger) async throws -> (Phase, Phase) {
        let pool = database.makePool(maxConnections: poolSize, logger: logger)
        let clock = ContinuousClock()
        let events = PostgresEventStore(pool: pool, logger: logger, clock: clock)
        let projector = PostgresStoreProjector(pool: pool, logger: logger, clock: clock)
        let queue = PostgresSagaQueue(pool: pool, changes: projector.progress)
        let readModel = PostgresStoreReadModel(pool: pool, progress: projector.progress, clock: clock)
        let driver = SimulatedCluster(
            settings: SimulationSettings(latency: .zero), inventory: PostgresSimulatedInventory(pool: pool), clock: clock)
        let vault = PostgresPersonalDataVault(pool: pool)
        let coordinator = SagaCoordinator(
            events: events, vault: vault, queue: queue, driver: driver,
            configuration: .init(concurrency: concurrency, pollInterval: .milliseconds(200)), logger: logger, clock: clock)
        let commands = StoreCommandHandler(events: events, vault: vault)
        let health = HealthChecker(events: events, vault: vault, canary: driver)
        let runner = RolloutRunner(
            events: events, commands: commands, health: health, watch: StoreWatch(), clock: clock, concurrency: rolloutConcurrency)
        let rollouts = RolloutService(events: events, readModel: readModel)
        let rolloutCoordinator = RolloutCoordinator(runner: runner, service: rollouts, logger: logger)
        let follower = LogFollower(
            events: events, consumers: [projector, coordinator, rolloutCoordinator], clock: clock, logger: logger,
            start: { try await projector.startCursor() })
        let total = stores
        let clientCount = clients

        return try await withThrowingTaskGroup(of: Void.self) { services in
            services.addTask { try await events.run() }
            services.addTask { try await follower.run() }
            services.addTask { try await projector.run() }
            services.addTask { try await coordinator.run() }
            services.addTask { try await rolloutCoordinator.run() }
            defer { services.cancelAll() }

            try await forEachClient(clientCount, total) { index in
                _ = try await commands.create(
                    name: "Bench \(index)", domain: "bench\(index).example.com", adminEmail: "admin@example.com", plan: "small",
                    metadata: EventMetadata(actor: "bench"))
            }
            try await waitUntil(database, "select count(*) as n from store_view where status = 'ready'", total)
            let ids = try await database.pool.query("select store_id from store_view order by created_at").map {
                StoreID(try $0.decode(UUID.self, "store_id"))
            }

            // 1. The baseline: each store's update sent on its own, waited for, then its canary.
            var start = ContinuousClock.now
            var before = pool.roundTrips.count
            try await forEachClient(clientCount, total) { index in
                _ = try await commands.change(
                    ids[index], kind: .update, change: StoreChange(plugins: [PluginSpec(slug: "akismet")]),
                    metadata: EventMetadata(actor: "bench"))
            }
            try await waitUntil(
                database, "select count(*) as n from store_view where status = 'ready' and view_text like '%akismet%'", total)
            try await forEachClient(clientCount, total) { index in
                _ = try await health.check(ids[index], metadata: EventMetadata(actor: "bench"))
            }
            let baseline = Phase(seconds: (ContinuousClock.now - start).seconds, roundTrips: pool.roundTrips.count - before)

            // 2. The rollout of another change over all of them.
            start = ContinuousClock.now
            before = pool.roundTrips.count
            let created = try await rollouts.create(
                .init(action: .update, change: StoreChange(wordpressVersion: "7.2.0"), selector: .init()),
                metadata: EventMetadata(actor: "bench"))
            let uncounted = PostgresEventStore(pool: database.pool, logger: logger, clock: clock)
            while true {
                let state = try RolloutState.fold(try await uncounted.readStream(RolloutEvent.streamID(created.id)))
                if let state, !state.status.isOpen {
                    guard state.status == .succeeded else { throw ValidationError("the rollout ended \(state.status.rawValue)") }
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            let rollout = Phase(seconds: (ContinuousClock.now - start).seconds, roundTrips: pool.roundTrips.count - before)
            return (baseline, rollout)
        }
    }

    private func forEachClient(_ clients: Int, _ total: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var index = client
                    while index < total {
                        try await body(index)
                        index += clients
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private func waitUntil(_ database: BenchDatabase, _ sql: String, _ count: Int) async throws {
        while true {
            let rows = try await database.pool.query(PostgresQuery(unsafeSQL: sql))
            if try rows.first?.decode(Int.self, "n") == count { return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
