import EventStore
import Foundation
import Logging
import ServiceLifecycle

/// Takes the plans' scheduled backups and removes the backups the retention expires, every
/// `tick`, over the store list. Each action is an ordinary command (an operation, or for a
/// deleted store's backup the record alone), so the saga runtime carries it out and the log
/// says who asked: `urumi (schedule)` or `urumi (retention)`.
///
/// One replica at a time runs it (under its schedule lease, `LeasedService`), but overlapping
/// runs are harmless: a scheduled backup's operation is named after its store and slot, and a
/// deletion after its backup, so a second replica asking for the same finds it done.
public final class BackupScheduler: Service {
    let readModel: any StoreReadModel
    let commands: StoreCommandHandler
    let settings: BackupSettings
    let tick: Duration
    let clock: any Clock<Duration>
    let now: @Sendable () -> Date
    let logger: Logger

    public init(
        readModel: any StoreReadModel, commands: StoreCommandHandler, settings: BackupSettings, tick: Duration = .seconds(60),
        clock: any Clock<Duration>, now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.readModel = readModel
        self.commands = commands
        self.settings = settings
        self.tick = tick
        self.clock = clock
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.sweep()
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.warning("backup schedule sweep failed; next in \(self.tick)", metadata: ["error": "\(error)"])
                }
                try? await self.clock.sleep(for: self.tick)
            }
        }
    }

    /// One pass over the stores: what is due is asked for. Returns how many commands it sent.
    @discardableResult
    public func sweep() async throws -> Int {
        var sent = 0
        var after: String?
        repeat {
            let page = try await readModel.page(statuses: [.ready, .suspended, .deleted], search: nil, after: after, limit: 500)
            for item in page.items {
                guard let view = try? StoreProjection.decodeJSON(StoreView.self, item) else { continue }
                guard let action = BackupPlanner.due(BackupPlanner.Store(view), now: now(), settings: settings) else { continue }
                do {
                    if try await send(action, to: view.id) { sent += 1 }
                } catch let error as ProvisioningError {
                    // Someone else's operation started meanwhile, or the store changed: next tick.
                    logger.debug("scheduled backup work skipped", metadata: ["store": "\(view.id)", "reason": "\(error)"])
                }
            }
            after = page.next
        } while after != nil
        return sent
    }

    /// Sends the command; false when it was a repeat (another replica, or an earlier sweep).
    private func send(_ action: BackupPlanner.Action, to id: StoreID) async throws -> Bool {
        switch action {
        case .backup(let slot):
            let slotName = StoreEvent.formatDate(slot)
            let outcome = try await commands.backup(
                id, reason: .scheduled, metadata: EventMetadata(actor: "urumi (schedule)"),
                operationName: "scheduled-backup:\(id):\(slotName)", now: now())
            if !outcome.replayed { logger.info("scheduled backup asked for", metadata: ["store": "\(id)", "slot": "\(slotName)"]) }
            return !outcome.replayed
        case .expire(let backup):
            let outcome = try await commands.deleteBackup(
                id, backup: backup, expired: true, metadata: EventMetadata(actor: "urumi (retention)"))
            if !outcome.replayed { logger.info("expired backup removal asked for", metadata: ["store": "\(id)", "backup": "\(backup)"]) }
            return !outcome.replayed
        }
    }
}
