import Provisioning

/// How the fleet features run: the scheduled order canary and rollouts.
public struct FleetSettings: Sendable {
    /// How often every ready store's order canary runs (nil: only on demand).
    public var healthInterval: Duration?
    /// How many failed canaries in a row make a store `degraded`.
    public var degradedAfter: Int
    /// How many stores a rollout starts or checks at once.
    public var rolloutConcurrency: Int
    /// How often every ready or suspended store is checked for drift (nil: only on demand).
    public var driftInterval: Duration?
    /// What a drift check does about drift unless asked otherwise.
    public var driftAction: DriftAction

    public init(
        healthInterval: Duration? = nil, degradedAfter: Int = 3, rolloutConcurrency: Int = 16, driftInterval: Duration? = nil,
        driftAction: DriftAction = .corrected
    ) {
        self.driftInterval = driftInterval
        self.driftAction = driftAction
        self.healthInterval = healthInterval
        self.degradedAfter = degradedAfter
        self.rolloutConcurrency = rolloutConcurrency
    }
}
