/// How the fleet features run: the scheduled order canary and rollouts.
public struct FleetSettings: Sendable {
    /// How often every ready store's order canary runs (nil: only on demand).
    public var healthInterval: Duration?
    /// How many failed canaries in a row make a store `degraded`.
    public var degradedAfter: Int
    /// How many stores a rollout starts or checks at once.
    public var rolloutConcurrency: Int

    public init(healthInterval: Duration? = nil, degradedAfter: Int = 3, rolloutConcurrency: Int = 16) {
        self.healthInterval = healthInterval
        self.degradedAfter = degradedAfter
        self.rolloutConcurrency = rolloutConcurrency
    }
}
