import EventStore
import Foundation
import PersonalData
import PostgresEvents
import PostgresReadModels
import Testing

@testable import Provisioning

/// `StoreReadModel.counts()` answered by one SQL aggregate (PostgreSQL) and by a fold in
/// Swift (in memory) gives exactly what paging through every store and decoding it gives.
@Suite("Store counts by aggregate", .timeLimit(.minutes(2)))
struct StoreCountsAggregateTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// The events of store `n` of a varied fleet: every status the counts tell apart, three
    /// plans, every health, changed and default versions, and each reason to need attention.
    static func fleetStore(_ n: Int) -> (StoreID, [StoreEvent]) {
        let id = StoreID(UUID())
        let plan = Plan.allCases[n % Plan.allCases.count]
        let spec = StoreSpec(name: "Shop \(n)", domain: "count\(n).example.com", adminEmail: "a@example.com", plan: plan)
        var events: [StoreEvent] = [.requested(StoreEvent.Requested(storeId: id, spec: spec, requestedBy: "tester"))]
        let ready = StoreEvent.ready(StoreEvent.Ready(urls: StoreURLs(domain: spec.domain), totalDurationMs: 1000))
        let config = StoreConfig(spec: spec)
        func health(_ failures: Int, degraded: Bool = false) -> StoreEvent {
            .healthChecked(
                StoreEvent.HealthChecked(
                    check: "c\(n)", result: CanaryResult(passed: failures == 0, latencyMs: 80),
                    consecutiveFailures: failures, degraded: degraded))
        }
        func change(_ kind: OperationKind, to: StoreConfig) -> StoreEvent {
            .changeRequested(
                StoreEvent.ChangeRequested(
                    operation: "op-\(n)", kind: kind, change: StoreChange(), from: config, to: to, by: "tester"))
        }
        var newer = config
        newer.wordpressVersion = n % 2 == 0 ? "7.2.0" : "7.3.0"
        newer.woocommerceVersion = "11.2.0"
        let completed = StoreEvent.ChangeCompleted(
            operation: "op-\(n)", kind: .update, applied: newer, revision: 2, durationMs: 100, releasedDomains: [])
        switch n % 11 {
        case 0: break  // provisioning
        case 1: events += [ready]
        case 2: events += [ready, health(0)]
        case 3: events += [ready, health(1)]
        case 4: events += [ready, health(3, degraded: true)]
        case 5: events += [ready, change(.update, to: newer), .changed(completed)]
        case 6:
            events += [
                ready, change(.update, to: newer),
                .changeFailed(
                    StoreEvent.ChangeFailed(
                        operation: "op-\(n)", kind: .update, reason: "setup failed", failedStep: .setup, rolledBack: false,
                        revision: 2, leftovers: "check helm history", releasedDomains: [])),
            ]
        case 7: events += [.failed(StoreEvent.Failed(reason: "helm failed: chart error", failedStep: .helm))]
        case 8:
            events += [.compensationFailed(StoreEvent.CompensationFailed(step: .helm, error: "forbidden", leftovers: [.helm]))]
        case 9: events += [.deletionRequested(StoreEvent.ByActor(by: "tester")), .deleted(StoreEvent.Deleted(domain: spec.domain))]
        default:
            // Waiting for an unreachable cluster past the step's deadline: attention, still provisioning.
            events += [
                .stepFailed(
                    StoreEvent.StepFailed(
                        step: .namespace, attempt: 9, error: "cannot reach the Kubernetes API", retryable: true,
                        nextAttemptAt: t0.addingTimeInterval(60),
                        waitingForCluster: ClusterWait(since: t0, overdue: n % 2 == 0)))
            ]
        }
        return (id, events)
    }

    @Test func theAggregateCountsWhatPagingCountsForAVariedFleet() async throws {
        try await TestDatabase.with { database in
            let store = database.makeStore()
            for n in 0..<150 {
                let (id, events) = Self.fleetStore(n)
                try await store.append(
                    to: id.streamID, expected: .noStream,
                    events: events.map { $0.newEvent(metadata: EventMetadata(actor: "tester")) })
            }
            let projector = PostgresStoreProjector(pool: database.pool, logger: TestDatabase.logger, clock: ContinuousClock())
            while try await projector.runBatch() > 0 {}
            let readModel = PostgresStoreReadModel(pool: database.pool, progress: nil)

            let paged = try await StoreCounts.countingPages(readModel)
            let aggregated = try await readModel.counts()
            #expect(aggregated == paged)
            // The fleet is as varied as meant: the numbers come from the events above.
            #expect(aggregated.byStatus == ["provisioning": 27, "ready": 84, "failed": 26, "deleted": 13])
            #expect(aggregated.total == 137)
            #expect(aggregated.byHealth == ["healthy": 14, "failing": 14, "degraded": 14, "unknown": 95])
            #expect(aggregated.byPlan.count == 3 && aggregated.byPlan.values.reduce(0, +) == 137)
            #expect(aggregated.byWordPressVersion == ["7.1.0": 123, "7.2.0": 7, "7.3.0": 7], "\(aggregated.byWordPressVersion)")
            #expect(aggregated.needsAttention == 14 + 13 + 7, "a failed rollback, leftovers, an overdue wait")
            #expect(aggregated.position == (try await readModel.checkpoint()).description)

            // In memory, folded from the same log, the same numbers.
            let memory = InMemoryStoreProjection(clock: ContinuousClock(), now: Date.init, vault: InMemoryPersonalDataVault())
            await memory.consume(try await store.readAll(after: .start, limit: 10_000))
            #expect(try await memory.counts() == aggregated)
            #expect(try await StoreCounts.countingPages(memory) == aggregated)
        }
    }
}
