import Testing

@testable import Provisioning

@Suite("Backoff with full jitter")
struct RetryPolicyTests {
    let policy = RetryPolicy(baseDelay: .seconds(2), maxDelay: .seconds(10), maxAttempts: 5)

    @Test func theDefaultsAreOneSecondDoublingToAMinuteOverFiveAttempts() {
        let policy = RetryPolicy()
        #expect(policy.baseDelay == .seconds(1))
        #expect(policy.maxDelay == .seconds(60))
        #expect(policy.maxAttempts == 5)
    }

    @Test(arguments: 1...12)
    func aRandomOfZeroMeansNoWait(attempt: Int) {
        #expect(policy.delay(afterAttempt: attempt, random: 0) == .zero)
    }

    @Test func theCeilingDoublesWithEachAttemptUpToTheMaximum() {
        let ceilings = (1...8).map { policy.delay(afterAttempt: $0, random: 1) }
        #expect(
            ceilings == [
                .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10), .seconds(10), .seconds(10),
                .seconds(10),
            ])
    }

    @Test func theDelayIsTheRandomShareOfTheCeiling() {
        #expect(policy.delay(afterAttempt: 1, random: 0.5) == .seconds(1))
        #expect(policy.delay(afterAttempt: 2, random: 0.25) == .seconds(1))
        #expect(policy.delay(afterAttempt: 3, random: 0.75) == .seconds(6))
        #expect(policy.delay(afterAttempt: 4, random: 0.75) == .milliseconds(7500))
        #expect(policy.delay(afterAttempt: 3, random: 0.999_999) < .seconds(8))
        #expect(policy.delay(afterAttempt: 3, random: 0.999_999) >= .milliseconds(7999))
    }

    @Test(arguments: 1...40)
    func theDelayNeverExceedsTheMaximumNorGoesBelowZero(attempt: Int) {
        for random in stride(from: 0.0, through: 1.0, by: 0.05) {
            let delay = policy.delay(afterAttempt: attempt, random: random)
            #expect(delay >= .zero && delay <= .seconds(10), "attempt \(attempt), random \(random): \(delay)")
        }
    }

    @Test func aRandomOutsideZeroToOneIsClamped() {
        #expect(policy.delay(afterAttempt: 2, random: -3) == .zero)
        #expect(policy.delay(afterAttempt: 2, random: 7) == .seconds(4))
    }

    @Test func aBaseAboveTheMaximumIsCappedFromTheFirstAttempt() {
        let policy = RetryPolicy(baseDelay: .seconds(30), maxDelay: .seconds(5))
        #expect(policy.delay(afterAttempt: 1, random: 1) == .seconds(5))
    }

    @Test func subSecondBasesKeepMillisecondPrecision() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        #expect(
            (1...6).map { policy.delay(afterAttempt: $0, random: 0.5) }.map { $0 } == [
                .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500),
                .milliseconds(500),
            ])
    }

    @Test func attemptZeroOrBelowUsesTheBaseAndHugeAttemptsDoNotOverflow() {
        #expect(policy.delay(afterAttempt: 0, random: 1) == .seconds(2))
        #expect(policy.delay(afterAttempt: -5, random: 1) == .seconds(2))
        #expect(policy.delay(afterAttempt: Int.max, random: 1) == .seconds(10))
    }
}
