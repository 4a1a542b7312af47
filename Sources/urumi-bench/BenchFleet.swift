import EventStore
import Foundation
import Logging
import Postgres
import PostgresEvents
import PostgresPersonalData
import PostgresReadModels
import Provisioning
import Simulator

/// The graph `urumi serve` builds, on a zero-latency simulated cluster: the saga benchmarks'
/// Urumi. Everything it does goes through `pool` (counted); a benchmark's own progress checks
/// use the database's pool (not counted).
struct BenchFleet {
    let database: BenchDatabase
    let pool: PostgresPool
    let clock = ContinuousClock()
    let events: PostgresEventStore
    let projector: PostgresStoreProjector
    let readModel: PostgresStoreReadModel
    let driver: SimulatedCluster
    let vault: PostgresPersonalDataVault
    let coordinator: SagaCoordinator
    let commands: StoreCommandHandler
    let logger: Logger

    init(_ database: BenchDatabase, poolSize: Int, concurrency: Int, logger: Logger) {
        self.database = database
        self.logger = logger
        pool = database.makePool(maxConnections: poolSize, logger: logger)
        events = PostgresEventStore(pool: pool, logger: logger, clock: clock)
        projector = PostgresStoreProjector(pool: pool, logger: logger, clock: clock)
        readModel = PostgresStoreReadModel(pool: pool, progress: projector.progress, clock: clock)
        driver = SimulatedCluster(
            settings: SimulationSettings(latency: .zero), inventory: PostgresSimulatedInventory(pool: pool), clock: clock)
        vault = PostgresPersonalDataVault(pool: pool)
        coordinator = SagaCoordinator(
            events: events, vault: vault, queue: PostgresSagaQueue(pool: pool, changes: projector.progress),
            driver: driver, configuration: .init(concurrency: concurrency, pollInterval: .milliseconds(200)),
            logger: logger, clock: clock)
        commands = StoreCommandHandler(events: events, vault: vault)
    }

    /// Runs `body` while the store, the process's one log reader (feeding the projector, the
    /// coordinator and `consumers`, as in `urumi serve`) and `services` run; stops them after.
    func running<T: Sendable>(
        consumers: [any LogConsumer] = [], services: [@Sendable () async throws -> Void] = [],
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let (events, projector, coordinator) = (events, projector, coordinator)
        let follower = LogFollower(
            events: events, consumers: [projector, coordinator] + consumers, clock: clock, logger: logger,
            start: { try await projector.startCursor() })
        let runners: [@Sendable () async throws -> Void] = [
            { try await events.run() }, { try await follower.run() }, { try await projector.run() },
            { try await coordinator.run() },
        ] + services
        return try await withThrowingTaskGroup(of: T?.self) { group in
            for run in runners { group.addTask { try await run(); return nil } }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// `body(index)` for every index below `total`, spread over `clients` concurrent clients.
    func forEachClient(_ clients: Int, _ total: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
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

    /// Creates `total` stores from `clients` concurrent clients.
    func createStores(_ total: Int, clients: Int) async throws {
        let commands = commands
        try await forEachClient(clients, total) { index in
            _ = try await commands.create(
                name: "Bench \(index)", domain: "bench\(index).example.com", adminEmail: "admin@example.com", plan: "small",
                metadata: EventMetadata(actor: "bench"))
        }
    }

    /// Waits until `sql` (answering `n`) counts `count`, polling on the uncounted pool.
    func waitUntil(_ sql: String, counts count: Int) async throws {
        while true {
            let rows = try await database.pool.query(PostgresQuery(unsafeSQL: sql))
            if try rows.first?.decode(Int.self, "n") == count { return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The stores' ids, oldest first (uncounted).
    func storeIDs() async throws -> [StoreID] {
        try await database.pool.query("select store_id from store_view order by created_at").map {
            StoreID(try $0.decode(UUID.self, "store_id"))
        }
    }

    /// How many events the log holds (uncounted).
    func eventCount() async throws -> Int {
        try await database.pool.query("select count(*) as n from events").first?.decode(Int.self, "n") ?? 0
    }
}
