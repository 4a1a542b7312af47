import EventStore
import Foundation
import HummingbirdTesting
import Provisioning
import Simulator
import TestSupport
import Testing
import UrumiApp

/// The drift schedule over the in-memory application, on a manual clock: nothing before the
/// interval, then one round over the ready and suspended stores, recording only the drifted.
@Suite("Drift reconciler", .timeLimit(.minutes(1)))
struct DriftReconcilerTests {
    @Test func aRoundAfterTheIntervalRecordsTheDriftedReadyAndSuspendedStoresOnly() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let drifted = try await StoreOperationRouteTests.readyStore(app, client, domain: "drift-a.example.com")
            let suspended = try await StoreOperationRouteTests.readyStore(app, client, domain: "drift-b.example.com")
            let clean = try await StoreOperationRouteTests.readyStore(app, client, domain: "drift-c.example.com")
            _ = try await client.json(.post, "/stores/\(suspended)/suspend")
            _ = try await app.event("store.suspended.v1", of: suspended)
            let cluster = try #require(app.dependencies.driver as? SimulatedCluster)
            let drift = SimulatedDrift(inventory: cluster.inventory)
            try await drift.delete("Deployment/wordpress", of: try #require(StoreID(drifted)))
            try await drift.delete("Deployment/maintenance", of: try #require(StoreID(suspended)))

            let clock = ManualClock()
            let checker = DriftChecker(
                events: app.dependencies.events, vault: app.dependencies.vault, inspector: cluster, defaultAction: .reported)
            let reconciler = DriftReconciler(
                checker: checker, readModel: app.dependencies.readModel, every: .seconds(300), clock: clock, logger: InMemoryApp.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await reconciler.run() }
                await clock.sleepScheduled(until: .seconds(300))
                for id in [drifted, suspended, clean] {
                    #expect(try await !app.types(of: id).contains("store.drift-detected.v1"), "nothing before the interval")
                }
                clock.advance(by: .seconds(300))
                // The next sleep is scheduled once the round is done.
                await clock.sleepScheduled(until: .seconds(600))
                #expect(try await app.types(of: drifted).last == "store.drift-detected.v1")
                #expect(try await app.types(of: suspended).last == "store.drift-detected.v1")
                #expect(try await !app.types(of: clean).contains("store.drift-detected.v1"))
                let found = try await app.event("store.drift-detected.v1", of: suspended)
                #expect(found.data.contains("Deployment/store-\(suspended.prefix(8))-maintenance"), "\(found.data)")
                #expect(found.metadata.actor == "system")
                group.cancelAll()
            }
        }
    }
}
