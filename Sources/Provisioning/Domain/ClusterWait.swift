import Foundation

/// A step that could not reach the cluster's API server and waits for it: recorded on the
/// step's failure (`store.step-failed.v1`, `store.compensation-step-failed.v1`,
/// `store.change-step-failed.v1`) and shown on the store while it lasts.
///
/// An unreachable cluster is never a reason to compensate or roll back: undoing needs the
/// same cluster, and a store that was fine must not be torn down because the API server was
/// away. The step retries (at the maximum backoff once its attempts are used up) until the
/// cluster answers; a deletion still interrupts it.
public struct ClusterWait: Sendable, Hashable, Codable {
    /// When the step first failed to reach the cluster in this wait.
    public let since: Date
    /// The wait has outlasted the step's deadline: the store needs attention (it still waits;
    /// nothing is undone).
    public let overdue: Bool

    public init(since: Date, overdue: Bool) {
        self.since = since
        self.overdue = overdue
    }
}
