import Foundation
import Testing

@testable import Provisioning

@Suite("The saga after the process stopped")
struct SagaResumeTests {
    @Test func aStepStartedButNeverFinishedRunsTheSameAttemptAgain() throws {
        var crashed = SagaDriver.created(
            cluster: ScriptedCluster().running(.helm, .transient(), .crash), random: FixedRandom(0.5))
        let before = crashed.run()
        #expect(
            lines(before).suffix(2) == [
                "step-failed helm #1, retry in 1000ms: 503 Service Unavailable", "step-started helm #2",
            ])

        let state = try #require(crashed.state)
        #expect(state[.helm].status == .running)
        #expect(SagaPlanner.next(state, now: at(33)) == .run(.helm, attempt: 2))

        // A new runtime picks the stream up 30 s later.
        var resumed = SagaDriver(now: at(33), history: crashed.stream)
        let events = resumed.run()
        #expect(
            lines(events) == [
                "step-started helm #2", "step-succeeded helm #2 in 5000ms",
                "step-started mysql #1", "step-succeeded mysql #1 in 30000ms",
                "step-started wordpress #1", "step-succeeded wordpress #1 in 20000ms",
                "step-started woocommerce #1", "step-succeeded woocommerce #1 in 40000ms",
                "ready https://shop.example.com/ (admin https://shop.example.com/wp-admin/) after 128000ms",
            ])
    }

    @Test func aCrashDuringTheFirstStepRunsItsFirstAttemptAgain() throws {
        var crashed = SagaDriver.created(cluster: ScriptedCluster().running(.namespace, .crash))
        #expect(lines(crashed.run()) == ["step-started namespace #1"])
        #expect(SagaPlanner.next(try #require(crashed.state), now: at(5)) == .run(.namespace, attempt: 1))
    }

    @Test func aCrashDuringABackoffWaitsOnlyForTheRestOfIt() throws {
        var crashed = SagaDriver.created(
            cluster: ScriptedCluster().running(.helm, .transient()), random: FixedRandom(0.5))
        crashed.run(stoppingAtWait: true)
        let state = try #require(crashed.state)

        #expect(SagaPlanner.next(state, now: at(2.25)) == .wait(until: at(3)))
        #expect(SagaPlanner.next(state, now: at(60)) == .run(.helm, attempt: 2))
    }

    @Test func aCrashDuringCompensationContinuesTheUndo() throws {
        let stopped = Situation.compensating.driver
        let state = try #require(stopped.state)
        #expect(state.status == .compensating)
        #expect(state.currentStep == .helm)
        #expect(SagaPlanner.next(state, now: stopped.now) == .undo(.helm, attempt: 1))

        var resumed = SagaDriver(now: stopped.now, history: stopped.stream)
        #expect(
            lines(resumed.run()) == [
                "step-compensated helm #1", "step-compensated namespace #1",
                "failed at mysql: mysql failed: chart error",
            ])
    }

    @Test func aCrashAfterADeletionWasRequestedStartsTheTeardown() throws {
        var ready = SagaDriver.created()
        ready.run()
        try ready.send(.delete(by: "bob"))

        let state = try #require(ready.state)
        #expect(
            SagaPlanner.next(state, now: ready.now)
                == .record([.compensationStarted(.init(cause: .deletion, reason: "deleted", failedStep: nil))]))
    }
}
