import ArgumentParser
import Simulator
import Provisioning

/// `--concurrency`, `--step-deadline`, `--retry-*`, `--lease-ttl`: how sagas run.
struct SagaOptions: ParsableArguments {
    @Option(help: "Sagas this process runs at once; more wait in a fair queue.")
    var concurrency: Int = 16

    @Option(help: ArgumentHelp("Deadline of one attempt of a step (repeatable), e.g. mysql=10m, helm=90s; operation steps as change-apply=5m, change-setup=15m, ...", valueName: "step=duration"))
    var stepDeadline: [String] = []

    @Option(help: "Attempts of a step before a transient failure counts as permanent.")
    var retryMaxAttempts: Int = 5

    @Option(help: ArgumentHelp("Base delay of the exponential backoff (full jitter).", valueName: "duration"))
    var retryBaseDelay: String = "1s"

    @Option(help: ArgumentHelp("Longest backoff delay.", valueName: "duration"))
    var retryMaxDelay: String = "60s"

    @Option(help: ArgumentHelp("How long a saga lease lasts without renewal (replica failover time).", valueName: "duration"))
    var leaseTTL: String = "30s"

    /// `defaults`: deadlines of the cluster in use where they differ from the saga's own;
    /// `--step-deadline` wins over both.
    func configuration(defaults: [SagaStep: Duration] = [:]) throws -> SagaCoordinator.Configuration {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard retryMaxAttempts >= 1 else { throw ValidationError("--retry-max-attempts must be at least 1") }
        var deadlines = SagaPolicy.defaultDeadlines.merging(defaults) { _, cluster in cluster }
        var operationDeadlines = SagaPolicy.defaultOperationDeadlines
        for value in stepDeadline {
            let parts = value.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let duration = Self.duration(parts[1]), duration > .zero else {
                throw ValidationError("--step-deadline: expected STEP=DURATION (e.g. mysql=10m), got \(value)")
            }
            if let step = SagaStep(rawValue: parts[0]) {
                deadlines[step] = duration
            } else if parts[0].hasPrefix("change-"), let step = OperationStep(rawValue: String(parts[0].dropFirst("change-".count))) {
                operationDeadlines[step] = duration
            } else {
                let known = SagaStep.allCases.map(\.rawValue) + OperationStep.allCases.map { "change-\($0.rawValue)" }
                throw ValidationError(
                    "--step-deadline: \(parts[0]) is not a step (one of \(known.joined(separator: ", "))), in \(value)")
            }
        }
        guard let base = Self.duration(retryBaseDelay), let max = Self.duration(retryMaxDelay),
            let ttl = Self.duration(leaseTTL), ttl >= .milliseconds(300)
        else {
            throw ValidationError("--retry-base-delay, --retry-max-delay and --lease-ttl take durations such as 500ms, 2s or 1m")
        }
        return SagaCoordinator.Configuration(
            concurrency: concurrency,
            policy: SagaPolicy(
                retry: RetryPolicy(baseDelay: base, maxDelay: max, maxAttempts: retryMaxAttempts), deadlines: deadlines,
                operationDeadlines: operationDeadlines),
            leaseTTL: ttl)
    }

    /// `500ms`, `2s`, `1.5s`, `10m`.
    static func duration(_ text: String) -> Duration? {
        if text.hasSuffix("m"), !text.hasSuffix("ms"), let minutes = Double(text.dropLast()), minutes >= 0 {
            return .microseconds(Int64(minutes * 60_000_000))
        }
        return SimulationSettings.parseDuration(text)
    }
}
