import Auth
import EventStore
import Foundation
import PersonalData
import Provisioning
import ServiceLifecycle
import Simulator

/// Everything the application is built from. Two sets: `.live(...)` (PostgreSQL, a real or
/// simulated cluster, real time) and `.inMemory(clock:)` (no database: tests and demos). The
/// graph built from either is the same (`buildApplication`).
public struct Dependencies: Sendable {
    public var events: any EventStore
    /// The stores' keys (personal fields are sealed with them, outside the log).
    public var vault: any PersonalDataVault
    public var audit: any EventAudit
    /// Folds the log into the read model and the saga queue (fed by the log follower).
    public var projection: any LogConsumer
    public var readModel: any StoreReadModel
    public var queue: any SagaQueue
    /// Where the log follower starts (the oldest cursor any consumer needs).
    public var followerStart: @Sendable () async throws -> LogCursor
    public var driver: any ClusterDriver
    public var sessions: any SessionStore
    public var clock: any Clock<Duration>
    public var now: @Sendable () -> Date
    public var random: @Sendable () -> Double
    /// Answers whether the application can take requests (database reachable, ...).
    public var readiness: @Sendable () async -> Bool
    /// Storage figures for `/metrics` (store counts, projector lag, pool), as gauges.
    public var storageGauges: @Sendable () async -> [Gauge]
    /// Services that must run before the rest (the PostgreSQL listener).
    public var services: [any Service]
    /// Releases what the dependencies hold (the pool, the Kubernetes client).
    public var close: @Sendable () async -> Void
    /// More readers of the log, fed by the follower after the projection (the page cache).
    public var logConsumers: [any LogConsumer] = []
    /// Leases on the fleet's schedules, shared by every replica (PostgreSQL); nil in a single
    /// process with nobody to share them with (in memory): every schedule runs unleased.
    public var scheduleLease: (any ScheduleLease)? = nil

    /// A gauge reading: name, labels, value.
    public struct Gauge: Sendable {
        public let name: String
        public let labels: [(String, String)]
        public let value: Double

        public init(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
            self.name = name
            self.labels = labels
            self.value = value
        }
    }
}

extension Dependencies {
    /// No database: the in-memory event store, read model, saga queue and sessions, and a
    /// simulated cluster with an in-memory inventory. `clock` drives every wait (the saga's
    /// deadlines and backoffs, SSE heartbeats, polls); `now` must move with it.
    public static func inMemory(
        clock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = Date.init,
        simulation: SimulationSettings = SimulationSettings(latency: .zero),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) -> Dependencies {
        let events = InMemoryEventStore(clock: clock, now: now)
        let vault = InMemoryPersonalDataVault()
        let projection = InMemoryStoreProjection(clock: clock, now: now, vault: vault)
        let inventory = InMemorySimulatedInventory()
        return Dependencies(
            events: events, vault: vault, audit: events, projection: projection, readModel: projection, queue: projection,
            followerStart: { try await projection.checkpoint() },
            driver: SimulatedCluster(settings: simulation, inventory: inventory, clock: clock),
            sessions: InMemorySessionStore(now: now), clock: clock, now: now, random: random,
            readiness: { true },
            storageGauges: {
                let counts = await projection.countsByStatus()
                return StoreStatus.allCases.map { Gauge("urumi_stores", [("status", $0.rawValue)], Double(counts[$0] ?? 0)) }
            },
            services: [], close: {})
    }
}
