import EventStore

/// How a saga step retries: exponential backoff with full jitter, bounded in attempts.
public struct RetryPolicy: Sendable, Hashable {
    public var backoff: Backoff
    /// Attempts in all (the first one included).
    public var maxAttempts: Int

    public init(baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(60), maxAttempts: Int = 5) {
        self.backoff = Backoff(baseDelay: baseDelay, maxDelay: maxDelay, fullJitter: true)
        self.maxAttempts = maxAttempts
    }

    public var baseDelay: Duration { backoff.baseDelay }
    public var maxDelay: Duration { backoff.maxDelay }

    /// The wait before attempt `attempt + 1`, given a uniform random number in [0, 1):
    /// uniform in [0, min(maxDelay, baseDelay × 2^(attempt-1))].
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration {
        backoff.delay(afterAttempt: attempt, random: random)
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
