import EventStore
import Foundation
import HTTPAPI
import Metrics
import Postgres
import PostgresStore
import Prometheus
import Provisioning

/// Prometheus metrics: swift-metrics is bootstrapped with a Prometheus registry (saga steps,
/// HTTP requests by route and status are recorded as they happen); gauges that describe state
/// (stores by status, projector lag, SSE clients, sagas running, pool use) are read at scrape.
struct ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    func bootstrap() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Real steps take seconds to many minutes (image pulls, first boot).
        factory.durationHistogramBuckets["urumi_saga_step_duration_seconds"] = [
            .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15), .seconds(30), .seconds(60),
            .seconds(120), .seconds(300), .seconds(600), .seconds(1200), .seconds(1800),
        ]
        MetricsSystem.bootstrap(factory)
    }

    /// A gauge with its help text (the `# HELP` line).
    private func gauge(_ name: String, labels: [(String, String)] = []) -> Prometheus.Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: Self.help[name] ?? ""), labels: labels)
    }

    private static let help: [String: String] = [
        "urumi_stores": "Stores by status, from the store list.",
        "urumi_projector_lag_events": "Events the store list has not applied yet (capped at 100000).",
        "urumi_sse_clients": "Open GET /stream connections.",
        "urumi_sse_clients_dropped": "GET /stream clients cut off for falling behind, since start.",
        "urumi_sagas_running": "Sagas this process is driving now.",
        "urumi_db_pool_connections": "Database connections of this process's pool, by state.",
        "urumi_db_pool_waiting": "Callers waiting for a database connection.",
        "urumi_db_pool_max": "The pool's connection limit.",
    ]

    /// The text for `GET /metrics`.
    func scrape(
        pool: PostgresPool, broadcaster: EventBroadcaster, coordinator: SagaCoordinator
    ) async -> String {
        for status in StoreStatus.allCases {
            gauge("urumi_stores", labels: [("status", status.rawValue)]).set(0.0)
        }
        if let rows = try? await pool.query("select status, count(*) as n from store_view group by status") {
            for row in rows {
                if let status = try? row.decode(String.self, "status"), let count = try? row.decode(Int64.self, "n") {
                    gauge("urumi_stores", labels: [("status", status)]).set(Double(count))
                }
            }
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
            gauge("urumi_projector_lag_events").set(Double(lag))
        }
        gauge("urumi_sse_clients").set(Double(broadcaster.clientCount))
        gauge("urumi_sse_clients_dropped").set(Double(broadcaster.droppedClients))
        gauge("urumi_sagas_running").set(Double(coordinator.runningCount))
        let stats = pool.stats
        gauge("urumi_db_pool_connections", labels: [("state", "open")]).set(Double(stats.open))
        gauge("urumi_db_pool_connections", labels: [("state", "idle")]).set(Double(stats.idle))
        gauge("urumi_db_pool_waiting").set(Double(stats.waiting))
        gauge("urumi_db_pool_max").set(Double(pool.maxConnections))
        return registry.emitToString()
    }
}
