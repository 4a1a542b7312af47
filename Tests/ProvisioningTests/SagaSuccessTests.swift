import Foundation
import Testing

@testable import Provisioning

@Suite("The saga when every step works")
struct SagaSuccessTests {
    @Test func aStoreRunsEveryStepInOrderAndBecomesReady() {
        var saga = SagaDriver.created()
        let events = saga.run()

        #expect(
            lines(events) == [
                "step-started namespace #1", "step-succeeded namespace #1 in 1000ms",
                "step-started helm #1", "step-succeeded helm #1 in 5000ms",
                "step-started mysql #1", "step-succeeded mysql #1 in 30000ms",
                "step-started wordpress #1", "step-succeeded wordpress #1 in 20000ms",
                "step-started woocommerce #1", "step-succeeded woocommerce #1 in 40000ms",
                "ready https://shop.example.com/ (admin https://shop.example.com/wp-admin/) after 96000ms",
            ])
        #expect(
            saga.cluster.calls == [
                "run namespace #1", "run helm #1", "run mysql #1", "run wordpress #1", "run woocommerce #1",
            ])
        #expect(saga.waits.isEmpty)
        #expect(events.last?.at == at(96))
    }

    @Test func aReadyStoreShowsItsURLsAndIsAtRest() throws {
        var saga = SagaDriver.created()
        saga.run()
        let state = try #require(saga.state)

        #expect(state.status == .ready)
        #expect(state.urls == StoreURLs(shop: "https://shop.example.com/", admin: "https://shop.example.com/wp-admin/"))
        #expect(state.readyAt == at(96))
        #expect(state.currentStep == nil)
        #expect(SagaStep.allCases.allSatisfy { state[$0].status == .succeeded && state[$0].attempts == 1 })
        #expect(SagaPlanner.next(state, now: at(1000)) == .idle)
    }

    @Test func eachAttemptRecordsItsDeadlineFromThePolicy() {
        var saga = SagaDriver.created()
        saga.run()

        let deadlines = saga.stream.compactMap { recorded -> Duration? in
            guard case .stepStarted(let started) = recorded.event else { return nil }
            return .milliseconds(millis(from: recorded.at, to: started.deadline))
        }
        #expect(deadlines == SagaStep.allCases.map { Fixtures.policy.deadline($0) })
        #expect(deadlines == [.seconds(60), .seconds(300), .seconds(600), .seconds(600), .seconds(900)])
    }

    @Test func aStepsDetailsAreRecordedWithItsSuccess() throws {
        let details = ["release": "store", "revision": "1"]
        var saga = SagaDriver.created(cluster: ScriptedCluster().running(.helm, .succeed(details: details)))
        saga.run()

        let helm = saga.stream.compactMap { recorded -> StoreEvent.StepSucceeded? in
            if case .stepSucceeded(let succeeded) = recorded.event, succeeded.step == .helm { return succeeded }
            return nil
        }
        #expect(helm == [StoreEvent.StepSucceeded(step: .helm, attempt: 1, durationMs: 5000, details: details)])
        #expect(try #require(saga.state)[.helm].details == details)
    }

    @Test func theTotalDurationCountsFromTheRequestToTheLastStep() {
        // The request waits 7 s in the queue before the saga picks it up.
        var saga = SagaDriver.created()
        saga.now = at(7)
        let events = saga.run()

        #expect(
            events.last.map(\.description)
                == "ready https://shop.example.com/ (admin https://shop.example.com/wp-admin/) after 103000ms")
    }
}
