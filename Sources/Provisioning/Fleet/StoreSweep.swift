import EventStore
import Foundation
import Logging

/// One pass of a scheduled check over the stores in some statuses, a few at a time: the
/// round of `HealthCheckService` and `DriftReconciler`.
struct StoreSweep: Sendable {
    let readModel: any StoreReadModel
    let statuses: [StoreStatus]
    let concurrency: Int
    let logger: Logger
    /// What is swept, for the log ("health checks", "drift checks").
    let what: String

    /// Runs `check` on every store listed now; returns how many it said it recorded. A
    /// store that is not checkable when its turn comes (`conflict`: an operation started
    /// meanwhile) is skipped until the next round.
    func round(_ check: @escaping @Sendable (StoreID, EventMetadata) async throws -> Bool) async -> Int {
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
                group.addTask { [logger, what] in
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
