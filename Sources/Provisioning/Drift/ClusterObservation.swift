/// What a store's release looks like in the cluster now, as a driver that can inspect it
/// reads it: the release's current revision, the values Urumi sets as deployed, and which of
/// the objects the chart renders for the store's config exist.
public struct ClusterObservation: Sendable, Hashable {
    /// One object the chart renders for the store, and whether it exists.
    public struct Object: Sendable, Hashable {
        /// `Deployment`, `StatefulSet`, `Secret`, ...
        public let kind: String
        public let name: String
        public let present: Bool

        public init(kind: String, name: String, present: Bool) {
            self.kind = kind
            self.name = name
            self.present = present
        }
    }

    /// The release's current revision; nil when the release is not installed.
    public let revision: Int?
    /// The deployed values Urumi sets, by path (`plan`, `wordpress.version`), each as text
    /// (lists and maps as canonical JSON), in the same form as `expectedValues(for:)`.
    public let values: [String: String]
    public let objects: [Object]

    public init(revision: Int?, values: [String: String], objects: [Object]) {
        self.revision = revision
        self.values = values
        self.objects = objects
    }
}

/// A cluster driver that can read back what a store's release looks like, for drift
/// detection. Separate from `ClusterDriver` (like `StoreCanaryDriver`) so that drivers that
/// cannot inspect (test doubles) need not pretend: without one, nothing is checked or recorded.
public protocol StoreInspectionDriver: Sendable {
    /// Reads the store's release and objects. A cluster that cannot be read throws
    /// (`ClusterError`): that is never drift.
    func inspect(_ target: StoreTarget) async throws -> ClusterObservation

    /// The values Urumi would deploy for `target.config`, in the form `inspect` reads them.
    /// Personal data (the admin e-mail) is left out: it is neither compared nor recorded.
    func expectedValues(for target: StoreTarget) throws -> [String: String]
}
