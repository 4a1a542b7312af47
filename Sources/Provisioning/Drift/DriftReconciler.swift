import Logging
import ServiceLifecycle

/// Checks every ready or suspended store for drift every `interval` (`urumi serve
/// --drift-interval`), a few at a time, doing what the checker's default action says
/// (`--drift-action`). A store that is not checkable when its turn comes is skipped until
/// the next round; a cluster that cannot be read records nothing.
public final class DriftReconciler: Service {
    let sweep: StoreSweep

    public init(
        checker: DriftChecker, readModel: any StoreReadModel, every interval: Duration, concurrency: Int = 4,
        clock: any Clock<Duration>, logger: Logger
    ) {
        sweep = StoreSweep(
            readModel: readModel, statuses: [.ready, .suspended], interval: interval, concurrency: max(1, concurrency),
            clock: clock, logger: logger, what: "drift checks"
        ) { id, metadata in
            let report = try await checker.check(id, metadata: metadata)
            if report.recorded {
                logger.notice(
                    "drift found",
                    metadata: [
                        "store": "\(id)", "action": "\(report.action?.rawValue ?? "")",
                        "differences": "\(report.differences.map(\.description).joined(separator: "; "))",
                    ])
            }
            return report.recorded
        }
    }

    public func run() async throws { await sweep.run() }

    /// One round over every ready or suspended store; returns how many drifted stores it recorded.
    @discardableResult
    public func round() async -> Int { await sweep.round() }
}
