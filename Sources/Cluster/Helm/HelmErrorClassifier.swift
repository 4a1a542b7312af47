import Provisioning

/// Reads a failed helm run: is it worth retrying (the API server was unreachable, busy or
/// slow; another operation holds the release) or not (chart, template or validation errors,
/// a failed setup Job, missing permissions)?
public enum HelmErrorClassifier {
    /// Signs of a failure that the same command may get past later.
    static let transientSigns = [
        "connection refused", "connection reset", "i/o timeout", "tls handshake", "timeout", "timed out",
        "no route to host", "network is unreachable", "unexpected eof", "kubernetes cluster unreachable", "too many requests", "service unavailable",
        "context deadline exceeded",
        "internal error occurred", "the server is currently unable to handle the request", "etcdserver",
        "another operation (install/upgrade/rollback) is in progress", "server closed", "broken pipe",
        "net/http:", "dial tcp", "temporary failure in name resolution",
    ]

    /// Signs among those that helm could not talk to the API server at all (what helm prints
    /// as "Kubernetes cluster unreachable", or the dial and DNS errors under it): the saga
    /// waits for the cluster rather than give up on the store.
    static let unreachableSigns = [
        "kubernetes cluster unreachable", "connection refused", "no route to host", "network is unreachable",
        "dial tcp", "i/o timeout", "tls handshake timeout", "temporary failure in name resolution", "no such host",
    ]

    /// Signs that a dial error is the API server's own call to something in the cluster (an
    /// admission webhook): the API server answered, so the cluster is reachable.
    static let reachedSigns = ["webhook"]

    /// Signs that settle it as permanent even if a transient sign appears too (a Job that
    /// failed with "DeadlineExceeded" is not a network timeout).
    static let permanentSigns = [
        "backofflimitexceeded", "deadlineexceeded", "job failed", "forbidden", "unauthorized",
        "values don't meet the specifications", "parse error", "execution error", "is invalid",
    ]

    /// `helm uninstall` of a release that does not exist.
    public static func isReleaseNotFound(_ output: String) -> Bool {
        let text = output.lowercased()
        return text.contains("release: not found") || (text.contains("release") && text.contains("not found"))
    }

    /// The step's error for a failed command. `output` is already redacted.
    public static func classify(command: String, exitCode: Int32?, output: String) -> ClusterError {
        let text = output.lowercased()
        let how = exitCode.map { "exit \($0)" } ?? "killed by a signal"
        let message = "\(command) failed (\(how)): \(output)"
        if exitCode == nil { return .transient(message) }
        if permanentSigns.contains(where: text.contains) { return .permanent(message) }
        if unreachableSigns.contains(where: text.contains), !reachedSigns.contains(where: text.contains) {
            return .unreachable(message)
        }
        if transientSigns.contains(where: text.contains) { return .transient(message) }
        return .permanent(message)
    }
}
