import EventStore
import Foundation
import Logging
import ServiceLifecycle

/// Runs the order canary of every ready store every `interval` (`urumi serve
/// --health-interval`), a few at a time. A store that is not checkable when its turn comes
/// (an operation started meanwhile) is skipped until the next round.
public final class HealthCheckService: Service {
    let checker: HealthChecker
    let readModel: any StoreReadModel
    let interval: Duration
    let concurrency: Int
    let clock: any Clock<Duration>
    let logger: Logger

    public init(
        checker: HealthChecker, readModel: any StoreReadModel, interval: Duration, concurrency: Int = 4,
        clock: any Clock<Duration>, logger: Logger
    ) {
        self.checker = checker
        self.readModel = readModel
        self.interval = interval
        self.concurrency = max(1, concurrency)
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.clock.sleep(for: self.interval)
                } catch { return }
                await self.round()
            }
        }
    }

    /// One round over every ready store; returns how many were checked.
    @discardableResult
    public func round() async -> Int {
        let sweep = StoreSweep(readModel: readModel, statuses: [.ready], concurrency: concurrency, logger: logger, what: "health checks")
        return await sweep.round { [checker] id, metadata in try await checker.check(id, metadata: metadata).recorded }
    }
}
