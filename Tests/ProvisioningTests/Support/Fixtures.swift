import Foundation

@testable import Provisioning

/// The values most tests share: one store, one request, one clock origin, one policy.
enum Fixtures {
    static let id = StoreID(UUID(uuidString: "0b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2e")!)
    static let spec = StoreSpec(
        name: "Demo Shop", domain: "shop.example.com", adminEmail: "owner@example.com", plan: .small)
    /// Where every test's clock starts (whole seconds, so millisecond arithmetic stays exact).
    static let t0 = Date(timeIntervalSince1970: 1_750_000_000)
    /// Backoff of 2 s doubling to at most 10 s, five attempts in all; the default deadlines.
    static let policy = SagaPolicy(retry: RetryPolicy(baseDelay: .seconds(2), maxDelay: .seconds(10), maxAttempts: 5))
}

/// Milliseconds from `start` to `end`, rounded: how the tests compare instants.
func millis(from start: Date, to end: Date) -> Int {
    Int((end.timeIntervalSince(start) * 1000).rounded())
}

/// An instant `seconds` after the tests' clock origin.
func at(_ seconds: Double) -> Date { Fixtures.t0.addingTimeInterval(seconds) }

extension Date {
    /// This instant moved on by `duration`.
    func adding(_ duration: Duration) -> Date { addingTimeInterval(duration.seconds) }
}
