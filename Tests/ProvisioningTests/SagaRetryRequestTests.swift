import Foundation
import Testing

@testable import Provisioning

@Suite("The saga when a failed store is retried")
struct SagaRetryRequestTests {
    @Test func retryingAFailedStoreRunsEveryStepAgainAndBecomesReady() throws {
        var saga = Situation.failed.driver
        saga.now = at(100)
        #expect(
            try saga.send(.retry(by: "alice"))
                == [.retryRequested(.init(by: "alice", failedStep: .wordpress, fromStep: .namespace))])
        let retried = try #require(saga.state)
        #expect(retried.status == .provisioning)
        #expect(retried.failureReason == nil)
        #expect(retried.failedStep == nil)
        #expect(retried.runStartedAt == at(100))
        #expect(SagaStep.allCases.allSatisfy { retried[$0] == StepState() })

        let events = saga.run()
        #expect(
            lines(events) == SagaStep.allCases.flatMap(usualLines) + [
                // Measured from the retry, not from the first request.
                "ready https://shop.example.com/ (admin https://shop.example.com/wp-admin/) after 96000ms"
            ])
        #expect(try #require(saga.state).status == .ready)
    }

    @Test func retryingAfterTheNamespaceCouldNotBeDeletedResumesFromHelm() throws {
        var saga = Situation.failedNeedingAttention.driver
        let runsBefore = saga.cluster.calls.count
        #expect(
            try saga.send(.retry(by: "alice"))
                == [.retryRequested(.init(by: "alice", failedStep: .wordpress, fromStep: .helm))])
        let retried = try #require(saga.state)
        #expect(!retried.needsAttention)
        #expect(retried.leftovers.isEmpty)
        #expect(retried[.namespace].status == .succeeded, "the namespace is still there")

        let events = saga.run()
        #expect(
            lines(events) == [SagaStep.helm, .mysql, .wordpress, .woocommerce].flatMap(usualLines) + [
                "ready https://shop.example.com/ (admin https://shop.example.com/wp-admin/) after 95000ms"
            ])
        #expect(!saga.cluster.calls.dropFirst(runsBefore).contains { $0.contains("namespace") })
    }

    @Test func aRetriedStoreThatFailsAgainIsUndoneAgain() throws {
        var saga = SagaDriver.created(
            cluster: ScriptedCluster().running(.helm, .permanent("first"), .permanent("second")))
        saga.run()
        try saga.send(.retry(by: "alice"))
        let events = saga.run()

        #expect(
            lines(events) == usualLines(.namespace) + [
                "step-started helm #1", "step-failed helm #1, final: second",
                "compensation-started failure of helm: helm failed: second",
                "step-compensated helm #1", "step-compensated namespace #1",
                "failed at helm: helm failed: second",
            ])
    }
}
