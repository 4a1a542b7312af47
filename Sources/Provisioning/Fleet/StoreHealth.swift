import Foundation

/// What one run of a store's order canary found (a Job in the store's namespace places and
/// cancels a test order through the Store API; the simulated cluster pretends to).
public struct CanaryResult: Sendable, Hashable, Codable {
    public let passed: Bool
    public let latencyMs: Int
    /// The canary step that failed (`products`, `cart`, `checkout`, `cancel`, ...), if any.
    public let failedStep: String?
    public let reason: String?

    public init(passed: Bool, latencyMs: Int, failedStep: String? = nil, reason: String? = nil) {
        self.passed = passed
        self.latencyMs = latencyMs
        self.failedStep = failedStep
        self.reason = reason
    }
}

/// A cluster driver that can run a store's order canary. Separate from `ClusterDriver` so
/// that drivers without one (test doubles) need not pretend.
public protocol StoreCanaryDriver: Sendable {
    /// Runs the canary `check` (a short id, unique per run) against the store and returns its
    /// result. A canary that ran and found the shop broken is a result (`passed: false`);
    /// a cluster that could not run it throws (`ClusterError`).
    func canary(_ check: String, for target: StoreTarget) async throws -> CanaryResult
}

/// A store's health as its order canary says: the last result and how many failed in a row.
public struct StoreHealth: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// The last canary passed.
        case healthy
        /// The last canary failed (fewer times in a row than the degraded threshold).
        case failing
        /// The canary failed at least the threshold's number of times in a row.
        case degraded
    }

    public let state: State
    public let lastCheck: String
    public let lastOutcome: StoreEvent.HealthChecked.Outcome
    public let lastCheckedAt: Date
    public let latencyMs: Int
    public let failedStep: String?
    public let reason: String?
    public let consecutiveFailures: Int
    public let degraded: Bool
}

extension StoreEvent {
    /// `store.health-checked.v1`: one run of the order canary. `consecutiveFailures` and
    /// `degraded` are decided when it is recorded (the threshold is configuration), so the
    /// fold stays pure and replays give the same health.
    public struct HealthChecked: Sendable, Hashable, Codable {
        public enum Outcome: String, Sendable, Hashable, Codable {
            case passed
            case failed
        }

        public let check: String
        public let outcome: Outcome
        public let latencyMs: Int
        public let failedStep: String?
        public let reason: String?
        public let consecutiveFailures: Int
        public let degraded: Bool
        /// The rollout this check belongs to (the canary after a wave's change), if any.
        public let rollout: String?

        public init(
            check: String, result: CanaryResult, consecutiveFailures: Int, degraded: Bool, rollout: String? = nil
        ) {
            self.check = check
            self.outcome = result.passed ? .passed : .failed
            self.latencyMs = result.latencyMs
            self.failedStep = result.failedStep
            self.reason = result.reason
            self.consecutiveFailures = consecutiveFailures
            self.degraded = degraded
            self.rollout = rollout
        }
    }
}

extension StoreHealth {
    init(_ event: StoreEvent.HealthChecked, at: Date) {
        state = event.outcome == .passed ? .healthy : (event.degraded ? .degraded : .failing)
        lastCheck = event.check
        lastOutcome = event.outcome
        lastCheckedAt = at
        latencyMs = event.latencyMs
        failedStep = event.failedStep
        reason = event.reason
        consecutiveFailures = event.consecutiveFailures
        degraded = event.degraded
    }
}
