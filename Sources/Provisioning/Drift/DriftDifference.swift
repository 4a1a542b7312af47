/// One way a store's cluster differs from what its log says.
public struct DriftDifference: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// The Helm release is not installed at all.
        case release
        /// The release's current revision is not the one the log recorded last.
        case revision
        /// A chart value the store's config sets is not what its config says.
        case value
        /// An object the chart renders for the store's config is missing.
        case object
    }

    public let kind: Kind
    /// What differs: `revision`, a value's path (`plan`, `wordpress.version`), an object
    /// (`Deployment/store-0b7e2f4c-wordpress`) or the release's name.
    public let name: String
    /// What the log says (nil: absent).
    public let expected: String?
    /// What the cluster has (nil: absent).
    public let actual: String?

    public init(kind: Kind, name: String, expected: String?, actual: String?) {
        self.kind = kind
        self.name = name
        self.expected = expected
        self.actual = actual
    }

    /// `value plan: small → large`, for logs and messages.
    public var description: String {
        "\(kind.rawValue) \(name): \(expected ?? "absent") → \(actual ?? "absent")"
    }
}

/// What the reconciler does about drift it finds.
public enum DriftAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Re-apply the store's config (a `reconcile` operation started in the same append).
    case corrected
    /// Record the difference only; an operator decides.
    case reported
}
