/// Exponential backoff: the one formula every retry loop in Urumi uses (saga steps, the
/// log follower, the listener, subscriptions, the Kubernetes adapter).
///
/// Attempt n waits `min(maxDelay, baseDelay × 2^(n-1))`, or with full jitter a uniform
/// share of that (the randomness is an input, so tests choose it).
public struct Backoff: Sendable, Hashable {
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Full jitter: the wait is `random × ceiling` instead of the ceiling.
    public var fullJitter: Bool

    public init(baseDelay: Duration, maxDelay: Duration, fullJitter: Bool = false) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.fullJitter = fullJitter
    }

    /// Reconnecting to a dependency that went away (database, API server): 100 ms doubling to 5 s.
    public static let reconnect = Backoff(baseDelay: .milliseconds(100), maxDelay: .seconds(5))

    /// The wait after failed attempt `attempt` (1-based); `random` is uniform in [0, 1) and
    /// only used with full jitter.
    public func delay(afterAttempt attempt: Int, random: Double = 1) -> Duration {
        var ceiling = baseDelay
        var doublings = min(max(attempt - 1, 0), 40)
        while doublings > 0 && ceiling < maxDelay {
            ceiling *= 2
            doublings -= 1
        }
        ceiling = min(ceiling, maxDelay)
        guard fullJitter else { return ceiling }
        let millis = Double(ceiling.components.seconds) * 1000 + Double(ceiling.components.attoseconds) / 1e15
        return .milliseconds(Int64((millis * min(max(random, 0), 1)).rounded(.down)))
    }

    /// Sleeps for the wait after `attempt` on `clock`; false when cancelled.
    @discardableResult
    public func sleep(afterAttempt attempt: Int, on clock: any Clock<Duration>, random: Double = 1) async -> Bool {
        do {
            try await clock.sleep(for: delay(afterAttempt: attempt, random: random))
            return true
        } catch {
            return false
        }
    }
}

extension Duration {
    /// Sleeps this long on the continuous clock (for adapters whose waits are real time by
    /// nature, such as an API server's watch reconnects).
    public func sleep() async throws {
        try await ContinuousClock().sleep(for: self)
    }
}
