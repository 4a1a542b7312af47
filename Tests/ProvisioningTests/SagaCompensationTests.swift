import Foundation
import Testing

@testable import Provisioning

@Suite("The saga when a step fails for good")
struct SagaCompensationTests {
    @Test(arguments: SagaStep.allCases)
    func aPermanentFailureUndoesWhatTheStoreTouchedNewestFirst(step: SagaStep) throws {
        var saga = SagaDriver.created(cluster: ScriptedCluster().running(step, .permanent("boom")))
        let events = saga.run()

        #expect(
            lines(events)
                == SagaStep.allCases.filter { $0 < step }.flatMap(usualLines)
                + [
                    "step-started \(step) #1", "step-failed \(step) #1, final: boom",
                    "compensation-started failure of \(step): \(step) failed: boom",
                ]
                + undone(after: step).map { "step-compensated \($0) #1" }
                + ["failed at \(step): \(step) failed: boom"])
        #expect(saga.cluster.undoCalls == undone(after: step).map { "undo \($0) #1" })
        #expect(saga.cluster.calls.filter { $0 == "run \(step) #1" }.count == 1, "a permanent failure is not retried")

        let state = try #require(saga.state)
        #expect(state.status == .failed)
        #expect(state.failedStep == step)
        #expect(state.failureReason == "\(step) failed: boom")
        #expect(!state.needsAttention)
        #expect(state.leftovers.isEmpty)
        #expect(state.undoQueue.isEmpty)
        for other in SagaStep.allCases {
            #expect(state[other].status == (other <= step ? .compensated : .pending), "\(other)")
            #expect(!state.isPresent(other), "\(other)")
        }
        #expect(SagaPlanner.next(state, now: saga.now) == .idle)
    }

    @Test func aStepThatHangsPastItsDeadlineIsCompensated() throws {
        var saga = SagaDriver.created(cluster: ScriptedCluster().running(.mysql, .hang))
        let events = saga.run()

        #expect(
            lines(events) == usualLines(.namespace) + usualLines(.helm) + [
                "step-started mysql #1", "step-failed mysql #1, final: deadline of 600s passed",
                "compensation-started failure of mysql: mysql failed: deadline of 600s passed",
                "step-compensated helm #1", "step-compensated namespace #1",
                "failed at mysql: mysql failed: deadline of 600s passed",
            ])
        // MySQL started at 6 s and was given up on when its deadline passed.
        let failure = try #require(events.first { if case .stepFailed = $0.event { true } else { false } })
        #expect(failure.at == at(606))
        #expect(try #require(saga.state).status == .failed)
    }

    @Test func anUndoThatFailsForAMomentIsRetriedWithBackoff() throws {
        let cluster = ScriptedCluster().running(.wordpress, .permanent()).undoing(.helm, .transient(), .transient())
        var saga = SagaDriver.created(cluster: cluster, random: FixedRandom(0.5))
        let events = saga.run()

        #expect(
            lines(events).suffix(6) == [
                "compensation-started failure of wordpress: wordpress failed: chart error",
                "compensation-step-failed helm #1, retry in 1000ms: 503 Service Unavailable",
                "compensation-step-failed helm #2, retry in 2000ms: 503 Service Unavailable",
                "step-compensated helm #3", "step-compensated namespace #1",
                "failed at wordpress: wordpress failed: chart error",
            ])
        #expect(saga.cluster.undoCalls == ["undo helm #1", "undo helm #2", "undo helm #3", "undo namespace #1"])
        #expect(saga.waits.count == 2)
        #expect(try #require(saga.state).needsAttention == false)
    }

    /// An uninstall that a cluster which answers keeps refusing (503) gives up after the
    /// budget; one that cannot reach the cluster waits for it instead
    /// (`SagaUnreachableClusterTests.anUndoThatCannotReachTheClusterWaitsInsteadOfLeavingLeftovers`).
    @Test func aHelmUndoThatAnAnsweringClusterKeepsFailingFallsBackToDeletingTheNamespace() throws {
        let cluster = ScriptedCluster().running(.wordpress, .permanent())
            .undoing(.helm, .transient(), .transient(), .transient(), .transient(), .transient())
        var saga = SagaDriver.created(cluster: cluster, random: FixedRandom(0.75))
        let events = saga.run()

        let gaveUp = "503 Service Unavailable (gave up after 5 attempts)"
        #expect(
            lines(events).suffix(8) == [
                "compensation-started failure of wordpress: wordpress failed: chart error",
                "compensation-step-failed helm #1, retry in 1500ms: 503 Service Unavailable",
                "compensation-step-failed helm #2, retry in 3000ms: 503 Service Unavailable",
                "compensation-step-failed helm #3, retry in 6000ms: 503 Service Unavailable",
                "compensation-step-failed helm #4, retry in 7500ms: 503 Service Unavailable",
                "compensation-step-failed helm #5, final: \(gaveUp)",
                "step-compensated namespace #1",
                "failed at wordpress: wordpress failed: chart error",
            ])
        #expect(saga.cluster.undoCalls.last == "undo namespace #1")
        let state = try #require(saga.state)
        #expect(state.status == .failed)
        #expect(!state.needsAttention)
        #expect(state.leftovers.isEmpty)
        #expect(SagaStep.allCases.allSatisfy { !state.isPresent($0) })
        #expect(SagaPlanner.next(state, now: saga.now) == .idle)
    }

    @Test func whenTheHelmUndoAndTheNamespaceDeletionBothFailBothAreLeftOver() throws {
        let cluster = ScriptedCluster().running(.wordpress, .permanent())
            .undoing(.helm, .permanent("release is stuck"))
            .undoing(.namespace, .permanent("namespaces is forbidden"))
        var saga = SagaDriver.created(cluster: cluster)
        let events = saga.run()

        #expect(
            lines(events).suffix(3) == [
                "compensation-started failure of wordpress: wordpress failed: chart error",
                "compensation-step-failed helm #1, final: release is stuck",
                #"compensation-failed namespace, leftovers ["helm", "namespace"]: namespaces is forbidden"#,
            ])
        let state = try #require(saga.state)
        #expect(state.status == .failed)
        #expect(state.needsAttention)
        #expect(state.leftovers == [.helm, .namespace])
        #expect(state.failureReason == "could not undo namespace: namespaces is forbidden")
        #expect(SagaPlanner.next(state, now: saga.now) == .idle)
    }

    @Test func aPermanentUndoFailureStopsCompensationAtOnce() throws {
        let cluster = ScriptedCluster().running(.woocommerce, .permanent())
            .undoing(.namespace, .permanent("namespaces is forbidden"))
        var saga = SagaDriver.created(cluster: cluster)
        let events = saga.run()

        #expect(
            lines(events).suffix(3) == [
                "compensation-started failure of woocommerce: woocommerce failed: chart error",
                "step-compensated helm #1",
                #"compensation-failed namespace, leftovers ["namespace"]: namespaces is forbidden"#,
            ])
        #expect(saga.cluster.undoCalls == ["undo helm #1", "undo namespace #1"])
        let state = try #require(saga.state)
        #expect(state.status == .failed)
        #expect(state.needsAttention)
        #expect(state.leftovers == [.namespace])
        #expect(state.isPresent(.namespace))
        #expect(!state.isPresent(.helm))
    }

    @Test func aHelmUndoThatHangsPastItsDeadlineFallsBackToTheNamespace() throws {
        let cluster = ScriptedCluster().running(.helm, .permanent()).undoing(.helm, .hang)
        var saga = SagaDriver.created(cluster: cluster)
        let events = saga.run()

        #expect(
            lines(events).suffix(4) == [
                "compensation-started failure of helm: helm failed: chart error",
                "compensation-step-failed helm #1, final: deadline of 300s passed",
                "step-compensated namespace #1",
                "failed at helm: helm failed: chart error",
            ])
        #expect(events[events.count - 3].at == at(2 + 300))
        #expect(try #require(saga.state).needsAttention == false)
    }
}
