import Hummingbird
import Logging
import ServiceLifecycle

/// Builds the HTTP router: every route, behind the problem+json middleware.
public enum API {
    public static func router(_ environment: APIEnvironment, logger: Logger = Logger(label: "urumi.http"))
        -> Router<APIContext>
    {
        let router = Router(context: APIContext.self)
        // Requests by route and status (swift-metrics: counted even when a route throws).
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: HeaderLimitMiddleware())
        // Static files (dashboard, openapi.yaml) hold no data and must load before anyone can
        // sign in. FileMiddleware serves a file only when no route matched, so authentication
        // wraps the API's routes (a group), not the router: a router-wide AuthMiddleware ran
        // first on every path and answered 401 for the sign-in page itself.
        if let dashboard: FileMiddleware<APIContext, LocalFileSystem> = Dashboard.middleware(logger: logger) {
            router.add(middleware: dashboard)
        }
        let api = router.group().add(middleware: AuthMiddleware(settings: environment.auth))
        SessionRoutes(environment: environment).register(on: api)
        FleetRoutes(environment: environment).register(on: api)
        StoreRoutes(environment: environment).register(on: api)
        RolloutRoutes(environment: environment).register(on: api)
        StoreOperationRoutes(environment: environment).register(on: api)
        BackupRoutes(environment: environment).register(on: api)
        HealthRoutes(environment: environment).register(on: api)
        StreamRoutes(environment: environment).register(on: api)
        AuditRoutes(environment: environment).register(on: api)
        return router
    }
}

/// The application type `API.application` builds (HummingbirdTesting's `test(_:_:)` runs it).
public typealias APIApplication = Application<RouterResponder<APIContext>>

extension API {
    /// The HTTP application: the router, plus `services` that run beside the server (in
    /// order; they stop after it, in reverse). `onListening` gets the bound port (useful with
    /// port 0).
    public static func application(
        _ environment: APIEnvironment, host: String, port: Int, services: [any Service], logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> APIApplication {
        Application(
            router: router(environment, logger: logger),
            configuration: .init(address: .hostname(host, port: port), serverName: "urumi"),
            services: services,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
