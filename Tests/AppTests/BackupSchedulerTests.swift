import EventStore
import HummingbirdTesting
import Foundation
import Logging
import Provisioning
import Testing

/// The backup scheduler over the in-memory application: due backups are asked for once per
/// slot however many replicas sweep, and expired ones are removed through the saga.
@Suite("Backup scheduler", .timeLimit(.minutes(1)))
struct BackupSchedulerTests {
    static func scheduler(_ app: InMemoryApp, now: Date, settings: BackupSettings = BackupSettings()) -> BackupScheduler {
        BackupScheduler(
            readModel: app.dependencies.readModel, commands: StoreCommandHandler(events: app.dependencies.events, vault: app.dependencies.vault),
            settings: settings, clock: ContinuousClock(), now: { now }, logger: InMemoryApp.logger)
    }

    /// Waits until the read model shows the store with no operation and `count` backups.
    static func settled(_ client: any TestClientProtocol, _ id: String, backups count: Int) async throws -> [[String: Any]] {
        for _ in 0..<300 {
            let store = try await BackupRouteTests.settled(client, id)
            let items = store["backups"] as? [[String: Any]] ?? []
            if items.count == count, items.allSatisfy({ $0["status"] as? String == "completed" }) { return items }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("store \(id) never had \(count) completed backups")
        return []
    }

    @Test func twoReplicasSweepingTheSameSlotTakeOneBackup() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let id = try await StoreOperationRouteTests.readyStore(app, client, domain: "sched.example.com")
            _ = try await BackupRouteTests.settled(client, id)
            let later = Date().addingTimeInterval(2 * 86_400)
            async let first = Self.scheduler(app, now: later).sweep()
            async let second = Self.scheduler(app, now: later).sweep()
            _ = try await (first, second)
            let items = try await Self.settled(client, id, backups: 1)
            #expect(items.first?["reason"] as? String == "scheduled")
            #expect(items.first?["requestedBy"] as? String == "urumi (schedule)")
            // The same slot again: nothing more.
            #expect(try await Self.scheduler(app, now: later.addingTimeInterval(60)).sweep() == 0)
            #expect(try await app.types(of: id).filter { $0 == "store.change-requested.v1" }.count == 1)
        }
    }

    @Test func anExpiredBackupIsRemovedThroughTheSaga() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let id = try await StoreOperationRouteTests.readyStore(app, client, domain: "expire.example.com")
            _ = try await BackupRouteTests.settled(client, id)
            let start = Date().addingTimeInterval(2 * 86_400)
            try await Self.scheduler(app, now: start).sweep()
            _ = try await Self.settled(client, id, backups: 1)
            // Eight days on, the daily plan keeps backups 7 days: the first expires (removed
            // first), then the next sweep takes a new one.
            let later = start.addingTimeInterval(8 * 86_400)
            #expect(try await Self.scheduler(app, now: later).sweep() == 1)
            _ = try await app.event("store.backup-expired.v1", of: id)
            _ = try await Self.settled(client, id, backups: 0)
            #expect(try await Self.scheduler(app, now: later).sweep() == 1)
            let items = try await Self.settled(client, id, backups: 1)
            #expect(items.first?["reason"] as? String == "scheduled")
            #expect(try await BackupRouteTests.inventory(app).backups(store: id).count == 1, "the expired one left the bucket")
        }
    }
}
