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
                HealthCheckService(
                    checker: health, readModel: dependencies.readModel, interval: interval, clock: dependencies.clock, logger: logger))
        }
        if let interval = settings.driftInterval, drift.canInspect {
            services.append(
                DriftReconciler(
                    checker: drift, readModel: dependencies.readModel, every: interval, clock: dependencies.clock, logger: logger))
        }
        self.services = services
        counts = { [readModel = dependencies.readModel] in try await StoreCounts.count(readModel) }
    }
}
