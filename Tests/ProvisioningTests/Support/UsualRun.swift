@testable import Provisioning

/// The two lines of `step` run once in its usual time: started, then succeeded.
func usualLines(_ step: SagaStep) -> [String] {
    let ms = millis(from: Fixtures.t0, to: Fixtures.t0.adding(ScriptedCluster.usualRunTime[step]!))
    return ["step-started \(step) #1", "step-succeeded \(step) #1 in \(ms)ms"]
}

/// What must be undone once the saga stopped at `step`, in order: helm's uninstall covers
/// MySQL, WordPress and WooCommerce and comes before the namespace delete; a namespace step
/// that ran at all (even one that failed) gets its namespace deleted.
func undone(after step: SagaStep) -> [SagaStep] {
    step == .namespace ? [.namespace] : [.helm, .namespace]
}
