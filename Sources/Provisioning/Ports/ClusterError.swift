/// A cluster operation that failed, classified for the saga.
public struct ClusterError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Worth retrying: connection errors, 429, 5xx, timeouts of a call.
        case transient
        /// Will not change by retrying: 4xx, chart errors, a failed setup Job.
        case permanent
    }

    public let kind: Kind
    /// What went wrong, for the step's error (no secrets).
    public let message: String
    /// The cluster's API server could not be reached at all (connection refused or reset,
    /// DNS, no route, a timeout before it answered): transient, and not the store's fault.
    /// The saga waits for the cluster instead of giving up (`docs/decisions/rollouts.md`).
    /// An API server that answers, even with a 5xx, was reached.
    public let isUnreachable: Bool

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
        self.isUnreachable = false
    }

    private init(unreachable message: String) {
        self.kind = .transient
        self.message = message
        self.isUnreachable = true
    }

    public static func transient(_ message: String) -> ClusterError { ClusterError(.transient, message) }
    public static func permanent(_ message: String) -> ClusterError { ClusterError(.permanent, message) }
    /// The cluster's API server could not be reached (transient).
    public static func unreachable(_ message: String) -> ClusterError { ClusterError(unreachable: message) }

    public var description: String { "\(isUnreachable ? "unreachable" : kind.rawValue): \(message)" }
}
