import EventStore
import Logging
import Provisioning
import ServiceLifecycle

/// The fleet's parts, built once from the dependencies: the order canary and drift checks (on
/// demand and on a schedule), the rollout runtime, and the store counts.
struct FleetServices {
    let health: HealthChecker
    let drift: DriftChecker
    let rollouts: RolloutService
    let rolloutCoordinator: RolloutCoordinator
    let services: [any Service]
    let counts: @Sendable () async throws -> StoreCounts

    init(_ dependencies: Dependencies, settings: FleetSettings, logger: Logger) {
        let commands = StoreCommandHandler(events: dependencies.events, vault: dependencies.vault)
        health = HealthChecker(
            events: dependencies.events, vault: dependencies.vault, canary: dependencies.driver as? any StoreCanaryDriver, degradedAfter: settings.degradedAfter)
        let runner = RolloutRunner(
            events: dependencies.events, commands: commands, health: health, watch: StoreWatch(), clock: dependencies.clock,
            now: dependencies.now, concurrency: settings.rolloutConcurrency)
        rolloutCoordinator = RolloutCoordinator(
            runner: runner, service: RolloutService(events: dependencies.events, readModel: dependencies.readModel), logger: logger)
        rollouts = RolloutService(
            events: dependencies.events, readModel: dependencies.readModel, wake: { [rolloutCoordinator] in rolloutCoordinator.wake($0) })
        drift = DriftChecker(
            events: dependencies.events, vault: dependencies.vault, inspector: dependencies.driver as? any StoreInspectionDriver,
            defaultAction: settings.driftAction)
        var services: [any Service] = [rolloutCoordinator]
        if let interval = settings.healthInterval {
            services.append(
                Self.leased(
                    HealthCheckService(
                        checker: health, readModel: dependencies.readModel, interval: interval, clock: dependencies.clock, logger: logger),
                    name: "health checks", dependencies, settings: settings, logger: logger))
        }
        if let interval = settings.driftInterval, drift.canInspect {
            services.append(
                Self.leased(
                    DriftReconciler(
                        checker: drift, readModel: dependencies.readModel, every: interval, clock: dependencies.clock, logger: logger),
                    name: "drift checks", dependencies, settings: settings, logger: logger))
        }
        self.services = services
        counts = { [readModel = dependencies.readModel] in try await readModel.counts() }
    }

    /// `schedule` under its lease when the dependencies share leases between replicas and
    /// the settings want one; otherwise as it is. The rollout coordinator is not leased (see
    /// docs/decisions/schedule-leases.md).
    static func leased(
        _ schedule: any Service, name: String, _ dependencies: Dependencies, settings: FleetSettings, logger: Logger
    ) -> any Service {
        guard let lease = dependencies.scheduleLease, let ttl = settings.scheduleLeaseTTL else { return schedule }
        return LeasedService(
            schedule, lease: lease, name: name, holder: settings.leaseHolder, ttl: ttl, clock: dependencies.clock, logger: logger)
    }
}
