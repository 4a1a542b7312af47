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
    var cluster: ClusterChoice
    var saga: SagaCoordinator.Configuration
    var stream: EventBroadcaster.Configuration
    var logLevel: Logger.Level
    var schemaDir: String?
    var authenticate: Bool
    var secureCookies: Bool

    enum ClusterChoice: Sendable {
        case simulated(SimulationSettings)
        case kubernetes(KubernetesSettings)
    }
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
        // The cluster first: a missing helm or an unreachable API server stops here, before
        // anything else starts.
        let kubernetes = try await kubernetesCluster(settings, logger: logger)
        let pool = PostgresPool(url: settings.databaseURL, maxConnections: settings.poolSize, logger: logger)
        let directory = try Migrator.locateSchemaDirectory(explicit: settings.schemaDir)
        let applied = try await Migrator(directory: directory, logger: logger).migrate(pool: pool)
        if !applied.isEmpty { logger.info("database migrated", metadata: ["applied": "\(applied)"]) }

        let events = PostgresEventStore(pool: pool, logger: logger)
        let projector = PostgresStoreProjector(pool: pool, events: events, logger: logger)
        let queue = PostgresSagaQueue(pool: pool, changes: projector.progress)
        let driver: any ClusterDriver
        switch settings.cluster {
        case .simulated(let simulation):
            driver = SimulatedCluster(settings: simulation, inventory: PostgresSimulatedInventory(pool: pool))
            logger.warning("cluster is SIMULATED: no real stores are created", metadata: ["cluster": "\(driver.description)"])
        case .kubernetes:
            driver = kubernetes!
        }
        let clusterKind = driver.isSimulated ? "simulated" : "kubernetes"
        let coordinator = SagaCoordinator(
            events: events, queue: queue, driver: driver, configuration: settings.saga, logger: logger)
        let broadcaster = EventBroadcaster(events: events, configuration: settings.stream, logger: logger)
        let environment = APIEnvironment(
            commands: StoreCommandHandler(events: events),
            credentials: StoreCredentialsService(events: events, driver: driver),
            readModel: PostgresStoreReadModel(pool: pool, progress: projector.progress),
            events: events, audit: events, broadcaster: broadcaster,
            cluster: ClusterInfo(kind: clusterKind, simulated: driver.isSimulated, note: driver.description),
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
                Data("Urumi listening on http://\(host):\(port) (cluster: \(clusterKind), auth: \(authMode))\n".utf8))
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
        do {
            try await group.run()
        } catch {
            await kubernetes?.shutdown()
            await pool.close()
            throw error
        }
        await kubernetes?.shutdown()
        await pool.close()
    }

    /// The real cluster driver for `--cluster kubernetes` (nil for the simulated one), after
    /// checking that helm runs and the API server answers.
    static func kubernetesCluster(_ settings: ServerSettings, logger: Logger) async throws -> KubernetesCluster? {
        guard case .kubernetes(let kube) = settings.cluster else { return nil }
        let connection = try KubeConfigLoader().load(kubeconfig: kube.kubeconfig, context: kube.context)
        let chart = try ChartLocator.locate(explicit: kube.chartDir)
        let client = try KubernetesClient(connection: connection)
        let helm = HelmCLI(
            settings: HelmSettings(
                executable: kube.helm, chartDirectory: chart, installTimeout: kube.helmTimeout,
                uninstallTimeout: .seconds(240),
                platformValuesFiles: kube.chartValues.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
                kubeconfig: connection.kubeconfigPath, kubeContext: connection.contextName),
            logger: logger)
        var storeAccess: StoreAccess?
        do {
            if let role = kube.storeClusterRole {
                storeAccess = try await StoreAccess.discover(clusterRole: role, client: client)
            }
        } catch {
            await client.shutdown()
            throw KubeConfigError("--cluster kubernetes cannot start: --store-cluster-role needs to know who Urumi is: \(error)")
        }
        let cluster = KubernetesCluster(
            client: client, helm: helm, storeAccess: storeAccess, stepDeadlines: Dictionary(uniqueKeysWithValues: SagaStep.allCases.map { ($0, settings.saga.policy.deadline($0)) }),
            logger: logger)
        do {
            var found = try await cluster.checkReachable()
            if let storeAccess { found.append("store namespaces bind ClusterRole \(storeAccess.clusterRole) to \(storeAccess.subject)") }
            logger.info(
                "cluster is KUBERNETES",
                metadata: [
                    "server": "\(connection.server)", "source": "\(connection.source)",
                    "auth": "\(connection.authenticationSummary)", "chart": "\(chart)", "found": "\(found.joined(separator: ", "))",
                ])
        } catch {
            await cluster.shutdown()
            throw KubeConfigError("--cluster kubernetes cannot start: \(error)")
        }
        return cluster
    }
}
