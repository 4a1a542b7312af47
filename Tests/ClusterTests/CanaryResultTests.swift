@testable import Cluster
import Provisioning
import Testing

/// The canary Job's result line (helm/store/README.md, "The order canary") read as Urumi
/// records it: what passed, what failed and where, and what cannot be read.
@Suite struct CanaryResultTests {
    @Test func aPassingRunIsPassedWithItsLatency() {
        let result = CanaryJobs.parse(
            #"{"canary":"0f3c2a","outcome":"passed","latencyMs":412,"steps":[],"order":1017,"product":42,"leftovers":0}"#,
            jobFailure: nil)
        #expect(result == CanaryResult(passed: true, latencyMs: 412))
    }

    @Test func aFailedRunNamesItsStepAndReason() {
        let result = CanaryJobs.parse(
            #"{"canary":"0f3c2a","outcome":"failed","latencyMs":90,"failedStep":"add-item","reason":"HTTP 400 woocommerce_rest_product_out_of_stock"}"#,
            jobFailure: "BackoffLimitExceeded")
        #expect(result == CanaryResult(passed: false, latencyMs: 90, failedStep: "add-item", reason: "HTTP 400 woocommerce_rest_product_out_of_stock"))
    }

    @Test func aPassedLineFromAFailedJobIsAFailure() {
        let result = CanaryJobs.parse(#"{"outcome":"passed","latencyMs":5}"#, jobFailure: "DeadlineExceeded")
        #expect(!result.passed)
        #expect(result.reason == "DeadlineExceeded")
    }

    @Test func anUnreadableLineIsAFailedJob() {
        let result = CanaryJobs.parse("Error: Error establishing a database connection.", jobFailure: nil)
        #expect(!result.passed)
        #expect(result.failedStep == "job")
        #expect(result.reason?.hasPrefix("unreadable canary result") == true)
    }
}
