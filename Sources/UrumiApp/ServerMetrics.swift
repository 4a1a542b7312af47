import EventStore
import Foundation
import HTTPAPI
import Metrics
import Prometheus
import Provisioning

/// Prometheus metrics: swift-metrics is bootstrapped with a Prometheus registry (saga steps,
/// HTTP requests by route and status are recorded as they happen); gauges that describe state
/// (stores by status, projector lag, SSE clients, sagas running, pool use) are read at scrape.
public struct ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    public init() {}

    /// Makes this registry the process's swift-metrics backend (once per process: `urumi serve`).
    public func bootstrap() {
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
        storage: [Dependencies.Gauge], broadcaster: EventBroadcaster, coordinator: SagaCoordinator
    ) async -> String {
        for reading in storage {
            gauge(reading.name, labels: reading.labels).set(reading.value)
        }
        gauge("urumi_sse_clients").set(Double(broadcaster.clientCount))
        gauge("urumi_sse_clients_dropped").set(Double(broadcaster.droppedClients))
        gauge("urumi_sagas_running").set(Double(coordinator.runningCount))
        return registry.emitToString()
    }
}
