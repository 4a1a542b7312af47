import ArgumentParser
import Simulator

/// `--sim-*`: how the simulated cluster behaves.
struct SimulationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Time each simulated step takes, e.g. 200ms, 2s, 0.", valueName: "duration"))
    var simLatency: String = "200ms"

    @Option(help: ArgumentHelp("A step fails for good with probability P (repeatable), e.g. mysql=0.3; steps of operations are change-apply, change-setup, change-rollback, ...", valueName: "step=p"))
    var simFail: [String] = []

    @Option(help: ArgumentHelp("An attempt of a step fails transiently with probability P; a retry gets past it.", valueName: "step=p"))
    var simFlaky: [String] = []

    @Option(help: ArgumentHelp("A step never completes with probability P, so its deadline fires.", valueName: "step=p"))
    var simHang: [String] = []

    @Option(help: "Seed of the simulated faults (same seed, same draws).")
    var simSeed: UInt64 = 1

    @Flag(help: "The simulated cluster refuses every call, as an API server that went away (until restarted without it).")
    var simUnreachable = false

    func settings() throws -> SimulationSettings {
        guard let latency = SimulationSettings.parseDuration(simLatency) else {
            throw ValidationError("--sim-latency: expected a duration such as 200ms or 2s, got \(simLatency)")
        }
        return SimulationSettings(
            latency: latency, failures: try probabilities(simFail, "--sim-fail"),
            flaky: try probabilities(simFlaky, "--sim-flaky"), hangs: try probabilities(simHang, "--sim-hang"), seed: simSeed,
            unreachable: simUnreachable)
    }

    private func probabilities(_ values: [String], _ flag: String) throws -> [String: Double] {
        var result: [String: Double] = [:]
        let known = SimulationSettings.faultPoints
        for value in values {
            guard let (step, p) = SimulationSettings.parseProbability(value), known.contains(step) else {
                throw ValidationError("\(flag): expected STEP=P with STEP one of \(known.joined(separator: ", ")) and P in 0...1, got \(value)")
            }
            result[step] = p
        }
        return result
    }
}
