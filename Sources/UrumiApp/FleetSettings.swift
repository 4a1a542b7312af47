import Foundation
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
    /// The schedules' lease (health and drift sweeps, backup scheduler): one replica at a time
    /// runs each, and another takes over within this long of its holder dying (nil: no lease,
    /// every replica runs every schedule).
    public var scheduleLeaseTTL: Duration? = .seconds(30)
    /// This replica's name as a lease holder (unique per process run).
    public var leaseHolder = FleetSettings.processHolderName()

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

    /// `host/pid/random`: unique per process, and says which replica leads in the log.
    public static func processHolderName() -> String {
        "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)/\(UUID().uuidString.prefix(8).lowercased())"
    }
}
