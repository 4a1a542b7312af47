import Hummingbird

/// `/health/live` (the process answers), `/health/ready` (it can take requests), `/metrics`,
/// and `/event-types` (the event wire names).
struct HealthRoutes {
    typealias Context = APIContext

    let environment: APIEnvironment

    struct Health: Encodable {
        let status: String
        let cluster: ClusterInfo
    }

    struct EventTypes: Encodable {
        let types: [String]
    }

    func register(on router: RouterGroup<Context>) {
        // The wire names, so the dashboard listens to every named SSE event without a copy of them.
        router.get("event-types") { _, _ in
            try APIJSON.response(EventTypes(types: PublicEvent.knownTypes))
        }
        router.get("health/live") { _, _ in
            try APIJSON.response(Health(status: "ok", cluster: environment.cluster))
        }
        if let metrics = environment.metrics {
            router.get("metrics") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: await metrics())))
            }
        }
        router.get("health/ready") { _, _ in
            guard await environment.readiness() else {
                throw Problem(.unavailable, status: .serviceUnavailable, title: "Not ready", detail: "the database is not reachable")
            }
            return try APIJSON.response(Health(status: "ready", cluster: environment.cluster))
        }
    }
}
