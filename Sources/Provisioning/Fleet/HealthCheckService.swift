import Logging
import ServiceLifecycle

/// Runs the order canary of every ready store every `interval` (`urumi serve
/// --health-interval`), a few at a time. A store that is not checkable when its turn comes
/// (an operation started meanwhile) is skipped until the next round.
public final class HealthCheckService: Service {
    let sweep: StoreSweep

    public init(
        checker: HealthChecker, readModel: any StoreReadModel, interval: Duration, concurrency: Int = 4,
        clock: any Clock<Duration>, logger: Logger
    ) {
        sweep = StoreSweep(
            readModel: readModel, statuses: [.ready], interval: interval, concurrency: max(1, concurrency), clock: clock,
            logger: logger, what: "health checks"
        ) { id, metadata in try await checker.check(id, metadata: metadata).recorded }
    }

    public func run() async throws { await sweep.run() }

    /// One round over every ready store; returns how many were checked.
    @discardableResult
    public func round() async -> Int { await sweep.round() }
}
