import ArgumentParser
import UrumiApp

/// `--health-*` and `--rollout-*`: the order canary's schedule and rollouts.
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

    func settings() throws -> FleetSettings {
        guard let interval = SagaOptions.duration(healthInterval) else {
            throw ValidationError("--health-interval: expected a duration such as 10m, 30s or 0, got \(healthInterval)")
        }
        guard degradedAfter >= 1 else { throw ValidationError("--degraded-after must be at least 1") }
        guard rolloutConcurrency >= 1 else { throw ValidationError("--rollout-concurrency must be at least 1") }
        return FleetSettings(
            healthInterval: interval > .zero ? interval : nil, degradedAfter: degradedAfter, rolloutConcurrency: rolloutConcurrency)
    }
}
