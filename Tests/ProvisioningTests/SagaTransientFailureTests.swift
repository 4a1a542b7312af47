import Foundation
import Testing

@testable import Provisioning

@Suite("The saga when a step fails for a moment")
struct SagaTransientFailureTests {
    /// Full jitter as specified, independently of `RetryPolicy`: uniform in
    /// [0, min(max, base·2^(attempt-1))], here with base 2 s and max 10 s.
    func fullJitterMillis(afterAttempt attempt: Int, random: Double) -> Int {
        Int(random * min(10, 2 * pow(2, Double(attempt - 1))) * 1000)
    }

    @Test(arguments: SagaStep.allCases)
    func aTransientFailureIsRetriedAfterAJitteredBackoffAndTheStoreBecomesReady(step: SagaStep) throws {
        var saga = SagaDriver.created(
            cluster: ScriptedCluster().running(step, .transient()), random: FixedRandom(0.375))
        let events = saga.run()

        let delay = fullJitterMillis(afterAttempt: 1, random: 0.375)
        #expect(delay == 750)
        let usual = millis(from: Fixtures.t0, to: Fixtures.t0.adding(ScriptedCluster.usualRunTime[step]!))
        let expected =
            SagaStep.allCases.filter { $0 < step }.flatMap(usualLines)
            + [
                "step-started \(step) #1", "step-failed \(step) #1, retry in \(delay)ms: 503 Service Unavailable",
                "step-started \(step) #2", "step-succeeded \(step) #2 in \(usual)ms",
            ]
            + SagaStep.allCases.filter { $0 > step }.flatMap(usualLines)
            + [
                "ready https://shop.example.com/ (admin https://shop.example.com/wp-admin/) after \(96_000 + 1000 + delay)ms"
            ]
        #expect(lines(events) == expected)

        // nextAttemptAt is the failure's time plus the delay, and the runtime waited exactly until then.
        let failure = try #require(events.first { if case .stepFailed = $0.event { true } else { false } })
        guard case .stepFailed(let failed) = failure.event else { return }
        let failedAt = SagaStep.allCases.filter { $0 < step }.reduce(1.0) {
            $0 + ScriptedCluster.usualRunTime[$1]!.seconds
        }
        #expect(failure.at == at(failedAt))
        #expect(failed.retryable)
        #expect(failed.nextAttemptAt.map { millis(from: failure.at, to: $0) } == delay)
        #expect(saga.waits == [failed.nextAttemptAt!])
        #expect(try #require(saga.state)[step].attempts == 2)
    }

    @Test func theBackoffGrowsWithEachAttemptUpToTheCeiling() {
        let cluster = ScriptedCluster().running(.helm, .transient(), .transient(), .transient(), .transient())
        var saga = SagaDriver.created(cluster: cluster, random: FixedRandom(0.75))
        let events = saga.run()

        let delays = events.compactMap { recorded -> Int? in
            guard case .stepFailed(let failed) = recorded.event, let next = failed.nextAttemptAt else { return nil }
            return millis(from: recorded.at, to: next)
        }
        #expect(delays == [1500, 3000, 6000, 7500])
        #expect(delays == (1...4).map { fullJitterMillis(afterAttempt: $0, random: 0.75) })
        #expect(saga.waits.map { millis(from: Fixtures.t0, to: $0) } == [3500, 7500, 14500, 23000])
        #expect(events.last.map(\.description)?.hasPrefix("ready") == true)
    }

    @Test func eachBackoffDrawsItsOwnRandomNumber() {
        let cluster = ScriptedCluster().running(.mysql, .transient(), .transient())
        var saga = SagaDriver.created(cluster: cluster, random: FixedRandom(0.5, 0.5, 0.5, 0.125, 1.0 / 16))
        let events = saga.run()

        // Namespace and helm drew the first two numbers, mysql's two failures the next two.
        #expect(
            events.filter { if case .stepFailed = $0.event { true } else { false } }.map(\.description) == [
                "step-failed mysql #1, retry in \(fullJitterMillis(afterAttempt: 1, random: 0.5))ms: 503 Service Unavailable",
                "step-failed mysql #2, retry in \(fullJitterMillis(afterAttempt: 2, random: 0.125))ms: 503 Service Unavailable",
            ])
        #expect(saga.random.drawn == 7)
    }

    @Test func aBackoffOfZeroRetriesAtOnce() {
        var saga = SagaDriver.created(
            cluster: ScriptedCluster().running(.wordpress, .transient()), random: FixedRandom(0))
        let events = saga.run()

        #expect(lines(events).contains("step-failed wordpress #1, retry in 0ms: 503 Service Unavailable"))
        #expect(saga.waits.isEmpty)
        #expect(
            saga.cluster.calls.filter { $0.hasPrefix("run wordpress") } == ["run wordpress #1", "run wordpress #2"])
    }

    @Test func whileTheBackoffRunsTheSagaWaitsThenRunsTheNextAttempt() throws {
        var saga = SagaDriver.created(cluster: ScriptedCluster().running(.helm, .transient()), random: FixedRandom(0.5))
        saga.run(stoppingAtWait: true)
        let state = try #require(saga.state)

        // Helm failed at 2 s (1 s of namespace, 1 s of failing); 0.5 × 2 s of backoff.
        #expect(saga.now == at(2))
        #expect(SagaPlanner.next(state, now: at(2)) == .wait(until: at(3)))
        #expect(SagaPlanner.next(state, now: at(2.999)) == .wait(until: at(3)))
        #expect(SagaPlanner.next(state, now: at(3)) == .run(.helm, attempt: 2))
        #expect(state.status == .provisioning)
        #expect(state.currentStep == .helm)
    }

    /// A cluster that answers, with errors (503 here), is retried within the budget, then
    /// compensated. One that cannot be reached at all is waited for instead
    /// (`SagaUnreachableClusterTests`): since issue 15 this holds for answers only.
    @Test func transientFailuresOfAClusterThatAnswersUseUpTheAttemptsAndCompensate() throws {
        let cluster = ScriptedCluster().running(
            .helm, .transient(), .transient(), .transient(), .transient(), .transient())
        var saga = SagaDriver.created(cluster: cluster, random: FixedRandom(0.75))
        let events = saga.run()

        let gaveUp = "503 Service Unavailable (gave up after 5 attempts)"
        #expect(
            lines(events) == [
                "step-started namespace #1", "step-succeeded namespace #1 in 1000ms",
                "step-started helm #1", "step-failed helm #1, retry in 1500ms: 503 Service Unavailable",
                "step-started helm #2", "step-failed helm #2, retry in 3000ms: 503 Service Unavailable",
                "step-started helm #3", "step-failed helm #3, retry in 6000ms: 503 Service Unavailable",
                "step-started helm #4", "step-failed helm #4, retry in 7500ms: 503 Service Unavailable",
                "step-started helm #5", "step-failed helm #5, final: \(gaveUp)",
                "compensation-started failure of helm: helm failed: \(gaveUp)",
                "step-compensated helm #1", "step-compensated namespace #1",
                "failed at helm: helm failed: \(gaveUp)",
            ])
        #expect(saga.cluster.undoCalls == ["undo helm #1", "undo namespace #1"])
        let state = try #require(saga.state)
        #expect(state.status == .failed)
        #expect(state.failedStep == .helm)
        #expect(state.failureReason == "helm failed: \(gaveUp)")
        #expect(!state.needsAttention)
    }
}
