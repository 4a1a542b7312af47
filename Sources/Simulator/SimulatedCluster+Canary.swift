import Provisioning

extension SimulatedCluster: StoreCanaryDriver {
    /// The simulated order canary: passes when the store's release is installed, after the
    /// step latency. `--sim-fail canary=P` makes a run fail (at `checkout`, as a broken shop
    /// would), `--sim-flaky canary=P` makes the cluster unable to run it (transient),
    /// `--sim-hang canary=P` makes it hang.
    public func canary(_ check: String, for target: StoreTarget) async throws -> CanaryResult {
        let started = ContinuousClock.now
        try await clock.sleep(for: settings.latency)
        guard try await inventory.exists(.release, name: target.release) else {
            throw ClusterError.permanent("release \(target.release) is not installed")
        }
        let latency = Int((ContinuousClock.now - started) / .milliseconds(1))
        do {
            try await injectFaults("canary")
        } catch let error as ClusterError where error.kind == .permanent {
            return CanaryResult(passed: false, latencyMs: latency, failedStep: "checkout", reason: error.message)
        }
        return CanaryResult(passed: true, latencyMs: latency)
    }
}
