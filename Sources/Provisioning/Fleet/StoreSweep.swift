import EventStore
import Foundation
import Logging
import ServiceLifecycle

/// A check run over every store in some statuses every `interval`, a few at a time: what
/// `HealthCheckService` and `DriftReconciler` run. Stops on graceful shutdown.
struct StoreSweep: Sendable {
    typealias Check = @Sendable (StoreID, EventMetadata) async throws -> Bool

    let readModel: any StoreReadModel
    let statuses: [StoreStatus]
    let interval: Duration
    let concurrency: Int
    let clock: any Clock<Duration>
    let logger: Logger
    /// What is swept, for the log ("health checks", "drift checks").
    let what: String
    /// Checks one store; true when it recorded something.
    let check: Check

    /// A round every `interval` until shutdown.
    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await clock.sleep(for: interval)
                } catch { return }
                await round()
            }
        }
    }

    /// Runs the check on every store listed now; returns how many it said it recorded. A
    /// store that is not checkable when its turn comes (`conflict`: an operation started
    /// meanwhile) is skipped until the next round.
    @discardableResult
    func round() async -> Int {
        var ids: [StoreID] = []
        var after: String?
        do {
            repeat {
                let page = try await readModel.page(statuses: statuses, search: nil, after: after, limit: 500)
                ids += try page.items.map { try StoreProjection.decodeView($0).id }
                after = page.next
            } while after != nil
        } catch {
            logger.warning("\(what): cannot list the stores", metadata: ["error": "\(error)"])
            return 0
        }
        let metadata = EventMetadata(actor: "system", correlationID: UUID())
        var recorded = 0
        await withTaskGroup(of: Bool.self) { group in
            var next = ids.makeIterator()
            func add() {
                guard let id = next.next() else { return }
                group.addTask { [logger, what, check] in
                    do {
                        return try await check(id, metadata)
                    } catch ProvisioningError.conflict {
                        return false
                    } catch {
                        logger.info("\(what): store skipped", metadata: ["store": "\(id)", "error": "\(error)"])
                        return false
                    }
                }
            }
            for _ in 0..<max(1, concurrency) { add() }
            while let done = await group.next() {
                if done { recorded += 1 }
                add()
            }
        }
        return recorded
    }
}
