import EventStore
import Logging
import ServiceLifecycle

/// Checks every ready or suspended store for drift every `interval` (`urumi serve
/// --drift-interval`), a few at a time, doing what the checker's default action says
/// (`--drift-action`). A store that is not checkable when its turn comes is skipped until
/// the next round; a cluster that cannot be read records nothing.
public final class DriftReconciler: Service {
    let checker: DriftChecker
    let readModel: any StoreReadModel
    let interval: Duration
    let concurrency: Int
    let clock: any Clock<Duration>
    let logger: Logger

    public init(
        checker: DriftChecker, readModel: any StoreReadModel, interval: Duration, concurrency: Int = 4,
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

    /// One round over every ready or suspended store; returns how many drifted stores it recorded.
    @discardableResult
    public func round() async -> Int {
        let sweep = StoreSweep(
            readModel: readModel, statuses: [.ready, .suspended], concurrency: concurrency, logger: logger, what: "drift checks")
        return await sweep.round { [checker, logger] id, metadata in
            let report = try await checker.check(id, metadata: metadata)
            if report.recorded {
                logger.notice(
                    "drift found", metadata: ["store": "\(id)", "action": "\(report.action?.rawValue ?? "")",
                    "differences": "\(report.differences.map(\.description).joined(separator: "; "))"])
            }
            return report.recorded
        }
    }
}
