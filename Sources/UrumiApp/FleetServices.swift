import EventStore
import Logging
import Provisioning
import ServiceLifecycle

/// The fleet's parts, built once from the dependencies: the order canary (on demand and on a
/// schedule), the rollout runtime, and the store counts.
struct FleetServices {
    let health: HealthChecker
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
        var services: [any Service] = [rolloutCoordinator]
        if let interval = settings.healthInterval {
            services.append(
                HealthCheckService(
                    checker: health, readModel: dependencies.readModel, interval: interval, clock: dependencies.clock, logger: logger))
        }
        self.services = services
        counts = { [readModel = dependencies.readModel] in try await readModel.counts() }
    }
}
