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

    @OptionGroup var database: DatabaseOption

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

    struct Phase: Sendable {
        var seconds: Double
        var roundTrips: Int
    }

    func run() async throws {
        let server = try database.serverURL()
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
        let fleet = BenchFleet(database, poolSize: poolSize, concurrency: concurrency, logger: logger)
        let (events, commands, pool) = (fleet.events, fleet.commands, fleet.pool)
        let health = HealthChecker(events: events, vault: fleet.vault, canary: fleet.driver)
        let runner = RolloutRunner(
            events: events, commands: commands, health: health, watch: StoreWatch(), clock: fleet.clock,
            concurrency: rolloutConcurrency)
        let rollouts = RolloutService(events: events, readModel: fleet.readModel)
        let rolloutCoordinator = RolloutCoordinator(runner: runner, service: rollouts, logger: logger)
        let (total, clientCount) = (stores, clients)

        return try await fleet.running(consumers: [rolloutCoordinator], services: [{ try await rolloutCoordinator.run() }]) {
            try await fleet.createStores(total, clients: clientCount)
            try await fleet.waitUntil("select count(*) as n from store_view where status = 'ready'", counts: total)
            let ids = try await fleet.storeIDs()

            // 1. The baseline: each store's update sent on its own, waited for, then its canary.
            var start = ContinuousClock.now
            var before = pool.roundTrips.count
            try await fleet.forEachClient(clientCount, total) { index in
                _ = try await commands.change(
                    ids[index], kind: .update, change: StoreChange(plugins: [PluginSpec(slug: "akismet")]),
                    metadata: EventMetadata(actor: "bench"))
            }
            try await fleet.waitUntil(
                "select count(*) as n from store_view where status = 'ready' and view_text like '%akismet%'", counts: total)
            try await fleet.forEachClient(clientCount, total) { index in
                _ = try await health.check(ids[index], metadata: EventMetadata(actor: "bench"))
            }
            let baseline = Phase(seconds: (ContinuousClock.now - start).seconds, roundTrips: pool.roundTrips.count - before)

            // 2. The rollout of another change over all of them.
            start = ContinuousClock.now
            before = pool.roundTrips.count
            let created = try await rollouts.create(
                .init(action: .update, change: StoreChange(wordpressVersion: "7.2.0"), selector: .init()),
                metadata: EventMetadata(actor: "bench"))
            let uncounted = PostgresEventStore(pool: database.pool, logger: logger, clock: fleet.clock)
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
}
