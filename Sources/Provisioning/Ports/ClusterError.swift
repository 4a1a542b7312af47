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

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func transient(_ message: String) -> ClusterError { ClusterError(.transient, message) }
    public static func permanent(_ message: String) -> ClusterError { ClusterError(.permanent, message) }

    public var description: String { "\(kind.rawValue): \(message)" }
}
