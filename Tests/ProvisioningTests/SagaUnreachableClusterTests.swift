import Foundation
import Testing

@testable import Provisioning

private let refused = "cannot reach the Kubernetes API: connection refused"

/// A policy whose Helm step may take 30 s: a wait for the cluster outlasts it after seven attempts.
private var shortHelmDeadline: SagaPolicy {
    var policy = Fixtures.policy
    policy.deadlines[.helm] = .seconds(30)
    return policy
}

/// An unreachable cluster (issue 15, item 6): the saga waits for it, past the retry budget,
/// and never compensates or rolls back for that alone. A cluster that answers with errors
/// keeps the retry budget (`SagaTransientFailureTests`).
@Suite("Waiting for an unreachable cluster")
struct SagaUnreachableClusterTests {
    @Test func anUnreachableClusterIsRetriedPastTheBudgetAndTheStoreIsReadyOnceItIsBack() throws {
        // Seven attempts cannot reach the cluster (the budget is five); the eighth can.
        let cluster = ScriptedCluster().running(.helm, Script.unreachable(times: 7))
        var saga = SagaDriver.created(cluster: cluster, random: FixedRandom(0.5))
        let events = saga.run()

        // The usual backoff (2 s doubling to 10 s, half of it by the random draw) while
        // attempts are left, then the maximum delay over its upper half (10 s × 0.75).
        let wait = "waiting for the cluster for"
        #expect(
            lines(events) == usualLines(.namespace) + [
                "step-started helm #1", "step-failed helm #1, retry in 1000ms, \(wait) 1000ms: \(refused)",
                "step-started helm #2", "step-failed helm #2, retry in 2000ms, \(wait) 3000ms: \(refused)",
                "step-started helm #3", "step-failed helm #3, retry in 4000ms, \(wait) 6000ms: \(refused)",
                "step-started helm #4", "step-failed helm #4, retry in 5000ms, \(wait) 11000ms: \(refused)",
                "step-started helm #5", "step-failed helm #5, retry in 7500ms, \(wait) 17000ms: \(refused)",
                "step-started helm #6", "step-failed helm #6, retry in 7500ms, \(wait) 25500ms: \(refused)",
                "step-started helm #7", "step-failed helm #7, retry in 7500ms, \(wait) 34000ms: \(refused)",
                "step-started helm #8", "step-succeeded helm #8 in 5000ms",
                "step-started mysql #1", "step-succeeded mysql #1 in 30000ms",
                "step-started wordpress #1", "step-succeeded wordpress #1 in 20000ms",
                "step-started woocommerce #1", "step-succeeded woocommerce #1 in 40000ms",
                "ready https://shop.example.com/ (admin https://shop.example.com/wp-admin/) after 137500ms",
            ])
        #expect(saga.cluster.undoCalls.isEmpty, "nothing was undone")
        let state = try #require(saga.state)
        #expect(state.status == .ready)
        #expect(state.waitingForCluster == nil)
        #expect(state[.helm].unreachableAttempts == 7)
        let view = StoreView(state)
        #expect(view.waitingForCluster == nil)
        #expect(!view.needsAttention)
    }

    @Test func whileItWaitsTheStoreSaysSoAndPastTheStepsDeadlineItNeedsAttentionButNothingIsUndone() throws {
        let cluster = ScriptedCluster().running(.helm, Script.unreachable(times: 7))
        var saga = SagaDriver.created(policy: shortHelmDeadline, cluster: cluster, random: FixedRandom(0.5))
        saga.run(stoppingAtWait: true)

        var view = StoreView(try #require(saga.state))
        let helmStarted = Fixtures.t0.addingTimeInterval(1)
        #expect(view.status == .provisioning)
        #expect(view.currentStep == .helm)
        #expect(view.waitingForCluster == ClusterWait(since: helmStarted, overdue: false))
        #expect(!view.needsAttention)

        // Six more attempts: 33 s after the first started, past Helm's 30 s.
        for _ in 0..<6 {
            saga.now = try #require(saga.state?[.helm].nextAttemptAt)
            saga.run(stoppingAtWait: true)
        }
        let waiting = try #require(saga.state)
        view = StoreView(waiting)
        #expect(waiting[.helm].attempts == 7)
        #expect(view.status == .provisioning, "an unreachable cluster past the deadline is no reason to compensate")
        #expect(view.waitingForCluster == ClusterWait(since: helmStarted, overdue: true))
        #expect(view.needsAttention)
        #expect(saga.stream.allSatisfy { if case .compensationStarted = $0.event { false } else { true } })
        #expect(saga.cluster.undoCalls.isEmpty)
        #expect(SagaPlanner.next(waiting, now: saga.now) == .wait(until: waiting[.helm].nextAttemptAt!))

        // The cluster is back: the step runs, and the store is ready with nothing to look at.
        saga.run()
        let ready = try #require(saga.state)
        #expect(ready.status == .ready)
        #expect(StoreView(ready).waitingForCluster == nil)
        #expect(!StoreView(ready).needsAttention)
    }

    @Test func onceTheClusterIsBackOrdinaryFailuresHaveTheWholeBudget() throws {
        // Six attempts in the dark, then four failures of a cluster that answers: ready on the
        // fifth attempt that reached it.
        let recovering = ScriptedCluster().running(.helm, Script.unreachable(times: 6))
            .running(.helm, .transient(), .transient(), .transient(), .transient())
        var saga = SagaDriver.created(cluster: recovering, random: FixedRandom(0))
        saga.run()
        #expect(saga.state?.status == .ready)
        #expect(saga.state?[.helm].attempts == 11)

        // A fifth such failure uses the budget up: that gives up and compensates, as always,
        // counting only the attempts that reached the cluster.
        let failing = ScriptedCluster().running(.helm, Script.unreachable(times: 6))
            .running(.helm, .transient(), .transient(), .transient(), .transient(), .transient())
        var doomed = SagaDriver.created(cluster: failing, random: FixedRandom(0))
        let events = doomed.run()
        let state = try #require(doomed.state)
        #expect(state.status == .failed)
        #expect(state.failureReason == "helm failed: 503 Service Unavailable (gave up after 5 attempts)")
        #expect(lines(events).contains("step-failed helm #11, final: 503 Service Unavailable (gave up after 5 attempts)"))
        #expect(doomed.cluster.undoCalls == ["undo helm #1", "undo namespace #1"])
    }

    @Test func anAttemptBegunWhileWaitingThatRunsOutItsDeadlineIsRetriedOnceThenItIsTheStepsOwn() throws {
        // The cluster came back while the second attempt was still connecting: its deadline
        // passed with the cluster answering again. Retried at once, it succeeds.
        var saga = SagaDriver.created(cluster: ScriptedCluster().running(.helm, .unreachable(), .hang), random: FixedRandom(0))
        let events = saga.run()
        #expect(
            lines(events).contains(
                "step-failed helm #2, retry in 0ms: deadline of 300s passed in an attempt begun while the cluster could not be reached; retried"
            ))
        #expect(saga.state?.status == .ready)
        #expect(saga.cluster.undoCalls.isEmpty)

        // A step that hangs again with the cluster there is the step's own failure.
        var hung = SagaDriver.created(
            cluster: ScriptedCluster().running(.helm, .unreachable(), .hang, .hang), random: FixedRandom(0))
        hung.run()
        #expect(hung.state?.status == .failed)
        #expect(hung.state?.failureReason == "helm failed: deadline of 300s passed")
    }

    @Test func aPermanentErrorOnceTheClusterIsBackStillCompensates() throws {
        let cluster = ScriptedCluster().running(.mysql, .unreachable(), .unreachable(), .permanent("image not found"))
        var saga = SagaDriver.created(cluster: cluster, random: FixedRandom(0))
        saga.run()
        let state = try #require(saga.state)
        #expect(state.status == .failed)
        #expect(state.failureReason == "mysql failed: image not found")
        #expect(state.waitingForCluster == nil)
        #expect(saga.cluster.undoCalls == ["undo helm #1", "undo namespace #1"])
    }

    @Test func aDeletionWhileTheStoreWaitsTearsItDownOnceTheClusterIsBack() throws {
        let cluster = ScriptedCluster()
            .running(.helm, .unreachable(), Script.unreachable().meanwhile(.delete(by: "bob")))
            .undoing(.helm, .unreachable(), .unreachable())
        var saga = SagaDriver.created(cluster: cluster, random: FixedRandom(0))
        let events = saga.run()
        #expect(
            lines(events).suffix(6) == [
                "compensation-started cancelled: deleted while provisioning",
                "compensation-step-failed helm #1, retry in 0ms, waiting for the cluster for 0ms: \(refused)",
                "compensation-step-failed helm #2, retry in 0ms, waiting for the cluster for 1000ms: \(refused)",
                "step-compensated helm #3",
                "step-compensated namespace #1",
                "deleted shop.example.com",
            ])
        #expect(saga.state?.status == .deleted)
    }

    @Test func anUndoThatCannotReachTheClusterWaitsInsteadOfLeavingLeftovers() throws {
        // Seven undo attempts in the dark: today's budget (five) would have given up, fallen
        // back to the namespace (unreachable too) and left the store failed with leftovers.
        var cluster = ScriptedCluster().running(.wordpress, .permanent())
        for _ in 0..<7 { cluster = cluster.undoing(.helm, .unreachable()) }
        var saga = SagaDriver.created(cluster: cluster, random: FixedRandom(0.5))
        saga.run()
        let state = try #require(saga.state)
        #expect(state.status == .failed)
        #expect(!state.needsAttention)
        #expect(state.leftovers.isEmpty)
        #expect(state.failureReason == "wordpress failed: chart error")
        #expect(saga.cluster.undoCalls.suffix(2) == ["undo helm #8", "undo namespace #1"])
        #expect(saga.stream.allSatisfy { if case .compensationFailed = $0.event { false } else { true } })
    }

    @Test func anOperationStepThatCannotReachTheClusterWaitsInsteadOfRollingBack() throws {
        var saga = SagaDriver.created(
            cluster: ScriptedCluster().changing(
                .workloads, .unreachable(), .unreachable(), .unreachable(), .unreachable(), .unreachable(),
                .unreachable()),
            random: FixedRandom(0.5))
        saga.run()
        try saga.send(.change(.update, StoreChange(plan: .medium), operation: "op-1", by: "alice"))
        saga.run(stoppingAtWait: true)

        let waiting = StoreView(try #require(saga.state))
        #expect(waiting.status == .updating)
        #expect(waiting.waitingForCluster?.overdue == false)
        #expect(waiting.operation?.currentStep == .workloads)

        saga.run()
        let state = try #require(saga.state)
        #expect(state.status == .ready)
        #expect(state.applied?.plan == .medium)
        #expect(state.operations.map(\.outcome) == [.succeeded])
        #expect(saga.cluster.changeCalls.contains("change workloads #7"))
        #expect(!saga.cluster.changeCalls.contains { $0.hasPrefix("change rollback") })
        #expect(StoreView(state).waitingForCluster == nil)
    }
}
