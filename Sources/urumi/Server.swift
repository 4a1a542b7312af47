import Auth
import Cluster
import EventStore
import Foundation
import HTTPAPI
import Logging
import Postgres
import PostgresStore
import Provisioning
import ServiceLifecycle

/// Everything `urumi serve` needs to know.
struct ServerSettings: Sendable {
    var databaseURL: String
    var poolSize: Int
    var host: String
    var port: Int
    var simulation: SimulationSettings
    var saga: SagaCoordinator.Configuration
    var stream: EventBroadcaster.Configuration
    var logLevel: Logger.Level
    var schemaDir: String?
    var authenticate: Bool
    var secureCookies: Bool
}

/// The composition root: the one place that builds the live dependencies and runs them as
/// services in one group (the HTTP server stops first on SIGTERM, the log listener last).
enum Server {
    /// How long SIGTERM waits for a graceful end before cancelling what is left.
    static let shutdownGrace = Duration.seconds(10)

    static func run(_ settings: ServerSettings) async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let logger = Logger(label: "urumi")
        let metrics = ServerMetrics()
        metrics.bootstrap()
        let pool = PostgresPool(url: settings.databaseURL, maxConnections: settings.poolSize, logger: logger)
        let directory = try Migrator.locateSchemaDirectory(explicit: settings.schemaDir)
        let applied = try await Migrator(directory: directory, logger: logger).migrate(pool: pool)
        if !applied.isEmpty { logger.info("database migrated", metadata: ["applied": "\(applied)"]) }

        let events = PostgresEventStore(pool: pool, logger: logger)
        let projector = PostgresStoreProjector(pool: pool, events: events, logger: logger)
        let queue = PostgresSagaQueue(pool: pool, changes: projector.progress)
        let driver = SimulatedCluster(settings: settings.simulation, inventory: PostgresSimulatedInventory(pool: pool))
        logger.warning("cluster is SIMULATED: no real stores are created", metadata: ["cluster": "\(driver.description)"])
        let coordinator = SagaCoordinator(
            events: events, queue: queue, driver: driver, configuration: settings.saga, logger: logger)
        let broadcaster = EventBroadcaster(events: events, configuration: settings.stream, logger: logger)
        let environment = APIEnvironment(
            commands: StoreCommandHandler(events: events),
            credentials: StoreCredentialsService(events: events, driver: driver),
            readModel: PostgresStoreReadModel(pool: pool, progress: projector.progress),
            events: events, audit: events, broadcaster: broadcaster,
            cluster: ClusterInfo(kind: "simulated", simulated: true, note: driver.description),
            readiness: { (try? await pool.query("select 1")) != nil },
            auth: settings.authenticate
                ? .tokens(
                    registry: TokenRegistry(events: events), sessions: PostgresSessionStore(pool: pool),
                    secureCookies: settings.secureCookies)
                : .none,
            metrics: { [pool, broadcaster, coordinator] in
                await metrics.scrape(pool: pool, broadcaster: broadcaster, coordinator: coordinator)
            })
        if !settings.authenticate {
            logger.critical("AUTHENTICATION IS OFF (--auth none): every caller is admin. For local development only.")
        }
        let authMode = settings.authenticate ? "tokens" : "none (DEVELOPMENT ONLY)"
        let host = settings.host
        let http = API.server(environment, host: settings.host, port: settings.port, logger: logger) { port in
            // Straight to the file descriptor: tests and scripts wait for this line on a pipe.
            FileHandle.standardOutput.write(
                Data("Urumi listening on http://\(host):\(port) (cluster: simulated, auth: \(authMode))\n".utf8))
        }
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: events), .init(service: projector), .init(service: coordinator),
                .init(service: broadcaster), .init(service: http),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // An event-stream client that stops reading keeps its response's write pending for good
        // (TCP never gives up on a zero window), and the HTTP server waits for it. Past this,
        // shutdown turns into cancellation, which ends such writes; sagas stop where they are
        // either way and resume from their streams.
        configuration.maximumGracefulShutdownDuration = Self.shutdownGrace
        let group = ServiceGroup(configuration: configuration)
        try await group.run()
        await pool.close()
    }
}
