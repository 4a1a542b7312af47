/// Exponential backoff with full jitter, bounded in attempts.
public struct RetryPolicy: Sendable, Hashable {
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Attempts in all (the first one included).
    public var maxAttempts: Int

    public init(baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(60), maxAttempts: Int = 5) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxAttempts = maxAttempts
    }

    /// The wait before attempt `attempt + 1`, given a uniform random number in [0, 1):
    /// uniform in [0, min(maxDelay, baseDelay × 2^(attempt-1))].
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration {
        let exponent = Double(min(max(attempt - 1, 0), 30))
        let ceiling = min(maxDelay.seconds, baseDelay.seconds * pow2(exponent))
        return .milliseconds(Int64((ceiling * min(max(random, 0), 1) * 1000).rounded(.down)))
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
