import Auth
import EventStore
import HTTPAPI
import Logging
import Provisioning
import ServiceLifecycle

/// The application: the HTTP API over the dependencies, with the long-running parts as
/// services in dependency order (the dependencies' own services, the log follower, the saga
/// coordinator, the SSE broadcaster; the HTTP server last, so it stops first on SIGTERM).
///
/// The same graph whatever the dependencies: `urumi serve` runs it over `.live(...)`; tests
/// run it in process (HummingbirdTesting) over `.inMemory(clock:)` or `.live(...)`.
public func buildApplication(
    _ dependencies: Dependencies, settings: ApplicationSettings, logger: Logger,
    metrics: ServerMetrics = ServerMetrics(), onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) -> APIApplication {
    let coordinator = SagaCoordinator(
        events: dependencies.events, vault: dependencies.vault, queue: dependencies.queue, driver: dependencies.driver,
        configuration: settings.saga, logger: logger, clock: dependencies.clock, now: dependencies.now,
        random: dependencies.random)
    let broadcaster = EventBroadcaster(
        configuration: settings.stream, vault: dependencies.vault, clock: dependencies.clock, logger: logger)
    let fleet = FleetServices(dependencies, settings: settings.fleet, logger: logger)
    let follower = LogFollower(
        events: dependencies.events, consumers: [dependencies.projection] + dependencies.logConsumers + [broadcaster, coordinator, fleet.rolloutCoordinator],
        clock: dependencies.clock, logger: logger, start: dependencies.followerStart)
    let driver = dependencies.driver
    let commands = StoreCommandHandler(events: dependencies.events, vault: dependencies.vault)
    var environment = APIEnvironment(
        commands: commands,
        credentials: StoreCredentialsService(events: dependencies.events, driver: driver, vault: dependencies.vault),
        vault: dependencies.vault,
        readModel: dependencies.readModel, events: dependencies.events, audit: dependencies.audit,
        broadcaster: broadcaster,
        cluster: ClusterInfo(kind: driver.isSimulated ? "simulated" : "kubernetes", simulated: driver.isSimulated, note: driver.description),
        readiness: dependencies.readiness,
        auth: settings.authenticate
            ? .tokens(
                registry: TokenRegistry(events: dependencies.events), sessions: dependencies.sessions,
                secureCookies: settings.secureCookies)
            : .none,
        metrics: { [storageGauges = dependencies.storageGauges, broadcaster, coordinator, counts = fleet.counts] in
            let text = await metrics.scrape(storage: await storageGauges(), broadcaster: broadcaster, coordinator: coordinator)
            return text + ((try? await counts())?.prometheus ?? "")
        })
    environment.backups = settings.backups
    environment.backups.finalBackup = settings.backups.finalBackup && driver.takesBackups
    environment.backupsAvailable = driver.takesBackups
    environment.health = fleet.health
    environment.drift = fleet.drift
    environment.rollouts = fleet.rollouts
    environment.counts = fleet.counts
    var services: [any Service] = dependencies.services + [follower, coordinator] + fleet.services + [broadcaster]
    if let tick = settings.backupTick, driver.takesBackups {
        services.append(
            FleetServices.leased(
                BackupScheduler(
                    readModel: dependencies.readModel, commands: commands, settings: settings.backups, tick: tick,
                    clock: dependencies.clock, now: dependencies.now, logger: logger),
                name: "backup schedule", dependencies, settings: settings.fleet, logger: logger))
    }
    return API.application(
        environment, host: settings.host, port: settings.port, services: services, logger: logger,
        onListening: onListening)
}
