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
        var ids: [StoreID] = []
        var after: String?
        do {
            repeat {
                let page = try await readModel.page(statuses: [.ready], search: nil, after: after, limit: 500)
                ids += try page.items.map { try StoreProjection.decodeView($0).id }
                after = page.next
            } while after != nil
        } catch {
            logger.warning("health checks: cannot list the ready stores", metadata: ["error": "\(error)"])
            return 0
        }
        let metadata = EventMetadata(actor: "system", correlationID: UUID())
        var checked = 0
        await withTaskGroup(of: Bool.self) { group in
            var next = ids.makeIterator()
            func add() {
                guard let id = next.next() else { return }
                group.addTask { [checker, logger] in
                    do {
                        return try await checker.check(id, metadata: metadata).recorded
                    } catch ProvisioningError.conflict {
                        return false
                    } catch {
                        logger.info("health check skipped", metadata: ["store": "\(id)", "error": "\(error)"])
                        return false
                    }
                }
            }
            for _ in 0..<concurrency { add() }
            while let recorded = await group.next() {
                if recorded { checked += 1 }
                add()
            }
        }
        return checked
    }
}
