import Hummingbird

/// `/health/live` (the process answers) and `/health/ready` (it can take requests).
struct HealthRoutes {
    typealias Context = APIContext

    let environment: APIEnvironment

    struct Health: Encodable {
        let status: String
        let cluster: ClusterInfo
    }

    func register(on router: RouterGroup<Context>) {
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
