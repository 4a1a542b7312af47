import Auth
import Cluster
import EventStore
import Foundation
import Logging
import Postgres
import PostgresEvents
import PostgresPersonalData
import PostgresReadModels
import PostgresSessions
import Provisioning
import Simulator

extension Dependencies {
    /// PostgreSQL (migrated on the way), and the simulated cluster or Kubernetes + helm, on
    /// real time. The cluster comes first: a missing helm or an unreachable API server stops
    /// here, before anything else starts.
    public static func live(_ settings: ServerSettings, logger: Logger) async throws -> Dependencies {
        let clock = ContinuousClock()
        let kubernetes = try await Self.kubernetesCluster(settings, logger: logger)
        let pool = PostgresPool(url: settings.databaseURL, maxConnections: settings.poolSize, logger: logger)
        do {
            let schema = try Migrator.locateSchemaDirectory(explicit: settings.schemaDir)
            var directories = [schema]
            if kubernetes == nil { directories.append(Migrator.simulatorDirectory(in: schema)) }
            let applied = try await Migrator(directories: directories, logger: logger).migrate(pool: pool)
            if !applied.isEmpty { logger.info("database migrated", metadata: ["applied": "\(applied)"]) }
        } catch {
            await kubernetes?.shutdown()
            await pool.close()
            throw error
        }
        let events = PostgresEventStore(pool: pool, logger: logger, clock: clock)
        let projector = PostgresStoreProjector(pool: pool, logger: logger, clock: clock)
        let driver: any ClusterDriver
        switch settings.cluster {
        case .simulated(let simulation):
            driver = SimulatedCluster(settings: simulation, inventory: PostgresSimulatedInventory(pool: pool), clock: clock)
            logger.warning("cluster is SIMULATED: no real stores are created", metadata: ["cluster": "\(driver.description)"])
        case .kubernetes:
            driver = kubernetes!
        }
        // Pages of the store list served from memory until the log moves (see StorePageCache).
        let pages = StorePageCache(base: PostgresStoreReadModel(pool: pool, progress: projector.progress, clock: clock))
        return Dependencies(
            events: events, vault: PostgresPersonalDataVault(pool: pool), audit: events, projection: projector,
            readModel: pages,
            queue: PostgresSagaQueue(pool: pool, changes: projector.progress),
            followerStart: { try await projector.startCursor() },
            driver: driver, sessions: PostgresSessionStore(pool: pool), clock: clock, now: Date.init,
            random: { Double.random(in: 0..<1) },
            readiness: { (try? await pool.query("select 1")) != nil },
            storageGauges: { await PostgresGauges.read(pool) },
            // The listener first; the projector's own service catches up when a delivered
            // batch could not be applied.
            services: [events, projector],
            close: {
                await kubernetes?.shutdown()
                await pool.close()
            },
            logConsumers: [pages],
            scheduleLease: PostgresScheduleLease(pool: pool))
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
        let deadlines = Dictionary(uniqueKeysWithValues: SagaStep.allCases.map { ($0, settings.saga.policy.deadline($0)) })
        let tls: ChartTLSSettings
        let features: StoreChartObjects.Features
        do {
            tls = try ChartTLSSettings.read(kube.chartValues)
            features = try StoreChartObjects.Features.read(kube.chartValues)
        } catch {
            throw KubeConfigError("--cluster kubernetes cannot start: a --chart-values file cannot be read as YAML: \(error)")
        }
        let cluster = KubernetesCluster(
            client: client, helm: helm, storeAccess: storeAccess, stepDeadlines: deadlines,
            managesCertificates: tls.managesCertificates, chartFeatures: features, logger: logger)
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

/// Figures of the PostgreSQL storage for `/metrics`.
enum PostgresGauges {
    static func read(_ pool: PostgresPool) async -> [Dependencies.Gauge] {
        var gauges: [Dependencies.Gauge] = []
        var counts: [String: Double] = [:]
        if let rows = try? await pool.query("select status, count(*) as n from store_view group by status") {
            for row in rows {
                if let status = try? row.decode(String.self, "status"), let count = try? row.decode(Int64.self, "n") {
                    counts[status] = Double(count)
                }
            }
        }
        for status in StoreStatus.allCases {
            gauges.append(.init("urumi_stores", [("status", status.rawValue)], counts[status.rawValue] ?? 0))
        }
        // Events the store list has not applied yet (capped: a count, not a scan of the log).
        if let rows = try? await pool.query(
            """
            select count(*) as n from (
                select 1 from events, projection_checkpoints c
                where c.name = 'store_view' and (events.transaction_id, events.position) > (c.txid, c.position)
                limit 100000) behind
            """), let lag = try? rows.first?.decode(Int64.self, "n")
        {
            gauges.append(.init("urumi_projector_lag_events", [], Double(lag)))
        }
        let stats = pool.stats
        gauges.append(.init("urumi_db_pool_connections", [("state", "open")], Double(stats.open)))
        gauges.append(.init("urumi_db_pool_connections", [("state", "idle")], Double(stats.idle)))
        gauges.append(.init("urumi_db_pool_waiting", [], Double(stats.waiting)))
        gauges.append(.init("urumi_db_pool_max", [], Double(pool.maxConnections)))
        return gauges
    }
}
