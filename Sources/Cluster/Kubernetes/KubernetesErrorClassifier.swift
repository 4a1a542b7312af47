import Provisioning

/// Turns what went wrong talking to the API server into a `ClusterError` the saga can act on:
/// connection trouble, timeouts, 429 and 5xx are worth retrying; 401, 403, 422 and the other
/// 4xx will not change by retrying.
public enum KubernetesErrorClassifier {
    public static func classify(_ error: KubernetesAPIError) -> ClusterError {
        let detail = error.message.map { String($0.prefix(500)) }
        let said = detail.map { ": \($0)" } ?? ""
        switch error.code {
        case 401:
            return .permanent(
                "\(error.operation): unauthorized (401)\(said) — the kubeconfig's credentials were refused (expired token or certificate?)"
            )
        case 403:
            return .permanent(
                "\(error.operation): forbidden (403)\(said) — Urumi's identity lacks the RBAC permission for this")
        case 404:
            return .permanent("\(error.operation): not found (404)\(said)")
        case 409:
            return .permanent("\(error.operation): conflict (409)\(said)")
        case 410:
            return .transient("\(error.operation): gone (410)\(said)")
        case 422:
            return .permanent("\(error.operation): rejected as invalid (422)\(said)")
        case 408, 429:
            return .transient("\(error.operation): the API server is busy (\(error.code))\(said)")
        case 500...599:
            return .transient("\(error.operation): API server error (\(error.code))\(said)")
        default:
            return error.code >= 400 && error.code < 500
                ? .permanent("\(error.operation): request refused (\(error.code))\(said)")
                : .transient("\(error.operation): unexpected answer (\(error.code))\(said)")
        }
    }

    /// A failure to reach the API server at all (connection refused, TLS handshake, timeout):
    /// the saga waits for the cluster instead of giving up on the store.
    public static func unreachable(_ server: String, _ error: any Error, operation: String) -> ClusterError {
        .unreachable("\(operation): cannot reach the Kubernetes API at \(server): \(String(describing: error).prefix(300))")
    }
}
