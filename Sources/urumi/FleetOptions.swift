import ArgumentParser
import Provisioning
import UrumiApp

/// `--health-*`, `--rollout-*` and `--drift-*`: the order canary's schedule, rollouts, and drift checks.
struct FleetOptions: ParsableArguments {
    @Option(
        name: .customLong("health-interval"),
        help: ArgumentHelp(
            "Run every ready store's order canary this often, e.g. 10m; 0 turns the schedule off (on demand only).",
            valueName: "duration"))
    var healthInterval: String = "10m"

    @Option(name: .customLong("degraded-after"), help: "Failed canaries in a row that make a store degraded.")
    var degradedAfter: Int = 3

    @Option(name: .customLong("rollout-concurrency"), help: "Stores a rollout starts or checks at once.")
    var rolloutConcurrency: Int = 16

    @Option(
        name: .customLong("drift-interval"),
        help: ArgumentHelp(
            "Compare every ready or suspended store's cluster with the log this often, e.g. 5m; 0 turns the schedule off (on demand only).",
            valueName: "duration"))
    var driftInterval: String = "5m"

    @Option(
        name: .customLong("drift-action"),
        help: ArgumentHelp(
            "What to do about drift: correct (re-apply the store's config in a reconcile operation) or report (record it only).",
            valueName: "correct|report"))
    var driftAction: String = "correct"

    @Option(
        name: .customLong("schedule-lease-ttl"),
        help: ArgumentHelp(
            "How long a replica's lease on a schedule (health and drift sweeps, backups) lasts unrenewed: another replica takes over within it when the holder dies; 0 turns the lease off (every replica runs every schedule).",
            valueName: "duration"))
    var scheduleLeaseTTL: String = "30s"

    func settings() throws -> FleetSettings {
        guard let interval = SagaOptions.duration(healthInterval) else {
            throw ValidationError("--health-interval: expected a duration such as 10m, 30s or 0, got \(healthInterval)")
        }
        guard degradedAfter >= 1 else { throw ValidationError("--degraded-after must be at least 1") }
        guard rolloutConcurrency >= 1 else { throw ValidationError("--rollout-concurrency must be at least 1") }
        guard let drift = SagaOptions.duration(driftInterval) else {
            throw ValidationError("--drift-interval: expected a duration such as 5m, 30s or 0, got \(driftInterval)")
        }
        let action: DriftAction
        switch driftAction {
        case "correct": action = .corrected
        case "report": action = .reported
        default: throw ValidationError("--drift-action: expected correct or report, got \(driftAction)")
        }
        guard let leaseTTL = SagaOptions.duration(scheduleLeaseTTL), leaseTTL == .zero || leaseTTL >= .seconds(3) else {
            throw ValidationError("--schedule-lease-ttl: expected a duration of at least 3s (e.g. 30s), or 0, got \(scheduleLeaseTTL)")
        }
        var settings = FleetSettings(
            healthInterval: interval > .zero ? interval : nil, degradedAfter: degradedAfter, rolloutConcurrency: rolloutConcurrency,
            driftInterval: drift > .zero ? drift : nil, driftAction: action)
        settings.scheduleLeaseTTL = leaseTTL > .zero ? leaseTTL : nil
        return settings
    }
}
