import Provisioning

/// How the simulated cluster behaves: per-step latency and faults, reproducible by seed.
public struct SimulationSettings: Sendable, Hashable {
    /// How long each step (and each undo) takes.
    public var latency: Duration
    /// Probability that a step fails for good (`--sim-fail STEP=P`).
    public var failures: [String: Double]
    /// Probability that an attempt fails transiently, so a retry gets past (`--sim-flaky`).
    public var flaky: [String: Double]
    /// Probability that a step never completes, so its deadline fires (`--sim-hang`).
    public var hangs: [String: Double]
    public var seed: UInt64
    /// The cluster starts cut off: every call fails as against an API server that went away
    /// (`--sim-unreachable`; `SimulatedCluster.setReachable` changes it at run time).
    public var unreachable: Bool

    public init(
        latency: Duration = .milliseconds(200), failures: [String: Double] = [:], flaky: [String: Double] = [:],
        hangs: [String: Double] = [:], seed: UInt64 = 1, unreachable: Bool = false
    ) {
        self.latency = latency
        self.failures = failures
        self.flaky = flaky
        self.hangs = hangs
        self.seed = seed
        self.unreachable = unreachable
    }

    /// Where faults can be injected: each provisioning step, the undo of a step
    /// (`undo-helm`), each step of a day-two operation (`change-apply`, `change-rollback`, ...),
    /// the order canary and the drift check's read of a store (`inspect`).
    public static let faultPoints: [String] =
        SagaStep.allCases.map(\.rawValue) + ["undo-namespace", "undo-helm"] + OperationStep.allCases.map { "change-\($0.rawValue)" }
        + ["canary", "inspect"]

    /// Parses `STEP=P` (P in [0, 1]); `undo-helm`/`undo-namespace` name the undo of a step.
    public static func parseProbability(_ text: String) -> (String, Double)? {
        let parts = text.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let p = Double(parts[1]), p >= 0, p <= 1, !parts[0].isEmpty else { return nil }
        return (String(parts[0]), p)
    }

    /// Parses `200ms`, `2s`, `1.5s`, `0`.
    public static func parseDuration(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        if text.hasSuffix("ms"), let value = Double(text.dropLast(2)), value >= 0 {
            return .microseconds(Int64(value * 1000))
        }
        if text.hasSuffix("s"), let value = Double(text.dropLast(1)), value >= 0 {
            return .microseconds(Int64(value * 1_000_000))
        }
        return nil
    }
}
