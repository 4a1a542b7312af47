import Foundation
import Testing

@testable import Provisioning

@Suite("The saga when a store is deleted")
struct SagaDeletionTests {
    @Test(arguments: SagaStep.allCases)
    func deletingAStoreWhileAStepRunsCancelsItAndUndoesWhatItTouched(step: SagaStep) throws {
        let cluster = ScriptedCluster().running(step, .succeed().meanwhile(.delete(by: "bob")))
        var saga = SagaDriver.created(cluster: cluster)
        let events = saga.run()

        let ms = millis(from: Fixtures.t0, to: Fixtures.t0.adding(ScriptedCluster.usualRunTime[step]!))
        #expect(
            lines(events)
                == SagaStep.allCases.filter { $0 < step }.flatMap(usualLines)
                + [
                    "step-started \(step) #1", "deletion-requested by bob", "step-succeeded \(step) #1 in \(ms)ms",
                    "compensation-started cancelled: deleted while provisioning",
                ]
                + undone(after: step).map { "step-compensated \($0) #1" }
                + ["deleted shop.example.com"])
        #expect(
            saga.cluster.calls.last(where: { $0.hasPrefix("run") }) == "run \(step) #1",
            "no step runs after the deletion")
        let state = try #require(saga.state)
        #expect(state.status == .deleted)
        #expect(state.deletionRequestedBy == "bob")
        #expect(state.deletionCancelsProvisioning)
        #expect(SagaStep.allCases.allSatisfy { !state.isPresent($0) })
    }

    enum Ending: String, CaseIterable, Sendable {
        case permanent, deadline, transient

        var script: Script {
            switch self {
            case .permanent: .permanent("boom")
            case .deadline: .hang
            case .transient: .transient()
            }
        }

        var line: String {
            switch self {
            case .permanent: "step-failed mysql #1, final: boom"
            case .deadline: "step-failed mysql #1, final: deadline of 600s passed"
            case .transient: "step-failed mysql #1, retry in 1000ms: 503 Service Unavailable"
            }
        }
    }

    @Test(arguments: Ending.allCases)
    func deletingAStoreWhoseRunningStepThenFailsStillDeletesIt(ending: Ending) throws {
        let cluster = ScriptedCluster().running(.mysql, ending.script.meanwhile(.delete(by: "bob")))
        var saga = SagaDriver.created(cluster: cluster)
        let events = saga.run()

        #expect(
            lines(events) == usualLines(.namespace) + usualLines(.helm) + [
                "step-started mysql #1", "deletion-requested by bob", ending.line,
                "compensation-started cancelled: deleted while provisioning",
                "step-compensated helm #1", "step-compensated namespace #1",
                "deleted shop.example.com",
            ])
        #expect(saga.waits.isEmpty, "a deleted store does not wait to retry")
        #expect(try #require(saga.state).status == .deleted)
    }

    @Test func deletingAStoreWaitingToRetryCancelsIt() throws {
        var saga = SagaDriver.created(cluster: ScriptedCluster().running(.helm, .transient()))
        saga.run(stoppingAtWait: true)
        try saga.send(.delete(by: "bob"))
        #expect(try #require(saga.state).status == .deleting)
        let events = saga.run()

        #expect(
            lines(events) == [
                "compensation-started cancelled: deleted while provisioning",
                "step-compensated helm #1", "step-compensated namespace #1",
                "deleted shop.example.com",
            ])
        #expect(saga.waits.isEmpty)
        #expect(saga.cluster.calls.filter { $0.hasPrefix("run helm") } == ["run helm #1"])
    }

    @Test func deletingAReadyStoreTearsItDown() throws {
        var saga = SagaDriver.created()
        saga.run()
        #expect(try saga.send(.delete(by: "bob")) == [.deletionRequested(.init(by: "bob"))])
        let events = saga.run()

        #expect(
            lines(events) == [
                "compensation-started deletion: deleted",
                "step-compensated helm #1", "step-compensated namespace #1",
                "deleted shop.example.com",
            ])
        #expect(saga.cluster.undoCalls == ["undo helm #1", "undo namespace #1"])
        let state = try #require(saga.state)
        #expect(state.status == .deleted)
        #expect(!state.deletionCancelsProvisioning)
        #expect(SagaPlanner.next(state, now: saga.now) == .idle)
    }

    @Test func deletingAFailedStoreThatLeftNothingBehindEndsDeleted() throws {
        var saga = Situation.failed.driver
        let undosBefore = saga.cluster.undoCalls
        try saga.send(.delete(by: "bob"))
        let events = saga.run()

        #expect(lines(events) == ["compensation-started deletion: deleted", "deleted shop.example.com"])
        #expect(saga.cluster.undoCalls == undosBefore, "nothing left to undo")
        #expect(try #require(saga.state).status == .deleted)
    }

    @Test func deletingAStoreThatCouldNotBeCleanedUpRemovesWhatIsLeft() throws {
        var saga = Situation.failedNeedingAttention.driver
        #expect(saga.state?.leftovers == [.namespace])
        try saga.send(.delete(by: "bob"))
        let events = saga.run()

        #expect(
            lines(events) == [
                "compensation-started deletion: deleted", "step-compensated namespace #1", "deleted shop.example.com",
            ])
        let state = try #require(saga.state)
        #expect(state.status == .deleted)
        #expect(!state.needsAttention)
        #expect(state.leftovers.isEmpty)
    }

    @Test func deletingAStoreWhileItsFailureIsBeingUndoneEndsDeleted() throws {
        let cluster = ScriptedCluster().running(.wordpress, .permanent())
            .undoing(.helm, .succeed().meanwhile(.delete(by: "bob")))
        var saga = SagaDriver.created(cluster: cluster)
        let events = saga.run()

        #expect(
            lines(events).suffix(6) == [
                "compensation-started failure of wordpress: wordpress failed: chart error",
                "deletion-requested by bob",
                "step-compensated helm #1",
                "compensation-started deletion: deleted",
                "step-compensated namespace #1",
                "deleted shop.example.com",
            ])
        #expect(try #require(saga.state).status == .deleted)
    }

    @Test func deletingTwiceRecordsOneRequest() throws {
        var saga = SagaDriver.created(
            cluster: ScriptedCluster().undoing(.helm, .succeed().meanwhile(.delete(by: "carol"))))
        saga.run()
        try saga.send(.delete(by: "bob"))
        let events = saga.run()

        #expect(lines(events).filter { $0.hasPrefix("deletion-requested") }.isEmpty, "carol's delete changed nothing")
        #expect(lines(events).last == "deleted shop.example.com")
        #expect(try saga.send(.delete(by: "dave")) == [])
        #expect(saga.state?.deletionRequestedBy == "bob")
    }

    @Test func aTeardownThatFailedIsRetriedByDeletingAgain() throws {
        var saga = SagaDriver.created(cluster: ScriptedCluster().undoing(.namespace, .permanent("forbidden")))
        saga.run()
        try saga.send(.delete(by: "bob"))
        let first = saga.run()
        #expect(lines(first).last == #"compensation-failed namespace, leftovers ["namespace"]: forbidden"#)
        #expect(saga.state?.status == .failed)
        #expect(saga.state?.needsAttention == true)

        try saga.send(.delete(by: "bob"))
        let second = saga.run()
        #expect(
            lines(second) == [
                "compensation-started deletion: deleted", "step-compensated namespace #1", "deleted shop.example.com",
            ])
        #expect(saga.state?.status == .deleted)
    }
}
