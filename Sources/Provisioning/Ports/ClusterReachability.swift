/// A cluster driver that can tell whether the cluster's API server answers right now.
/// Separate from `ClusterDriver` so that drivers without one (test doubles) need not pretend.
///
/// The saga asks it when an attempt ran out its deadline: a call against an API server that
/// went away can hang rather than fail (a client still trying to connect, helm waiting), and
/// such an attempt is waited for like any other that could not reach the cluster, never
/// compensated for (`ClusterWait`). An attempt that hung while the cluster answers is a
/// step's failure as before.
public protocol ClusterReachability: Sendable {
    /// Nil when the API server answers (whatever it says); otherwise why it cannot be reached
    /// (an error with `isUnreachable`). Returns within a few seconds.
    func probe() async -> ClusterError?
}
