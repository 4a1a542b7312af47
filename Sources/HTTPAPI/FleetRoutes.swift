import EventStore
import Foundation
import Hummingbird
import Provisioning

/// The fleet's reads and checks on stores: `POST /stores/{id}/health-checks` (the order
/// canary now), `POST /stores/{id}/drift-checks` (the cluster against the log now) and `GET /stores/counts` (counts by status, plan, health and version).
struct FleetRoutes: StoreRequestParsing {
    typealias Context = APIContext

    let environment: APIEnvironment

    func register(on router: RouterGroup<Context>) {
        let stores = router.group("stores")
        stores.post(":id/health-checks", use: check)
        stores.post(":id/drift-checks", use: checkDrift)
        stores.get("counts", use: counts)
    }

    struct CheckResponse: Encodable {
        let store: StoreID
        let check: String
        let outcome: String
        let latencyMs: Int
        let failedStep: String?
        let reason: String?
        let consecutiveFailures: Int
        let degraded: Bool
        /// False when the store changed while the canary ran: the result was not recorded.
        let recorded: Bool
        let position: String?
        let cluster: ClusterInfo
    }

    @Sendable func check(_ request: Request, context: Context) async throws -> Response {
        let id = try storeID(context)
        guard let health = environment.health else {
            throw Problem(.notFound, status: .notFound, title: "Not found", detail: "health checks are not available")
        }
        let report = try await health.check(id, metadata: metadata(context))
        let body = CheckResponse(
            store: report.store, check: report.check, outcome: report.result.passed ? "passed" : "failed",
            latencyMs: report.result.latencyMs, failedStep: report.result.failedStep, reason: report.result.reason,
            consecutiveFailures: report.consecutiveFailures, degraded: report.degraded, recorded: report.recorded,
            position: report.position, cluster: environment.cluster)
        return try APIJSON.response(body, status: report.recorded ? .created : .ok)
    }

    @Sendable func counts(_ request: Request, context: Context) async throws -> Response {
        guard let counts = environment.counts else {
            throw Problem(.notFound, status: .notFound, title: "Not found", detail: "store counts are not available")
        }
        return try APIJSON.response(try await counts())
    }
}

extension StoreRoutes {
    /// `GET /stores?health=degraded` (or `healthy`, `failing`, `unknown`): the read model's
    /// pages, filtered by the health each store's view carries. A page holds the matches of
    /// at least `limit` scanned stores (so it may hold fewer than `limit`, or up to twice as
    /// many), and `next` continues the scan.
    func healthFiltered(
        _ health: String, statuses: [StoreStatus], search: String?, after: String?, limit: Int
    ) async throws -> Response {
        let states = StoreHealth.State.allCases.map(\.rawValue) + ["unknown"]
        guard states.contains(health) else {
            throw Problem(
                .badParameter, status: .badRequest, title: "Invalid parameter",
                detail: "health must be one of \(states.joined(separator: ", "))",
                errors: [FieldError(field: "health", message: "must be one of \(states.joined(separator: ", "))")])
        }
        var items: [String] = []
        var cursor = after
        var position: LogCursor?
        repeat {
            let page = try await environment.readModel.page(statuses: statuses, search: search, after: cursor, limit: limit)
            position = position ?? page.position
            for item in page.items {
                let view = try StoreProjection.decodeView(item)
                if (view.health?.state.rawValue ?? "unknown") == health { items.append(item) }
            }
            cursor = page.next
        } while items.count < limit && cursor != nil
        return try listResponse(
            items: items, envelope: ListEnvelope(next: cursor, position: position?.description, cluster: environment.cluster))
    }
}
