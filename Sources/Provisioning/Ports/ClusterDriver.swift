/// What a store is called in the cluster.
public struct StoreTarget: Sendable, Hashable {
    public let id: StoreID
    public let spec: StoreSpec

    public init(id: StoreID, spec: StoreSpec) {
        self.id = id
        self.spec = spec
    }

    /// The store's namespace, `store-<id>`.
    public var namespace: String { "store-\(id)" }
    /// The Helm release, `store-<first 8 hex digits of the id>` (short names keep the
    /// chart's resource names well under the 63-character limit).
    public var release: String { "store-\(id.description.prefix(8))" }
}

/// The few cluster operations the saga needs. Adapters: Kubernetes + Helm (production) and
/// `SimulatedCluster` (development, demo, tests, benchmarks).
///
/// Every operation is idempotent: creating what exists, or deleting what is gone, succeeds.
/// Failures are thrown as `ClusterError` (transient or permanent); anything else thrown is
/// treated as transient. Operations honour task cancellation.
public protocol ClusterDriver: Sendable {
    /// A line for logs, API and dashboard, e.g. "simulated cluster (no real stores)".
    var description: String { get }
    /// True when no real cluster is behind it (said plainly everywhere).
    var isSimulated: Bool { get }

    /// Runs one provisioning step; returns details worth recording (no secrets).
    func run(_ step: SagaStep, for target: StoreTarget) async throws -> [String: String]

    /// Undoes a step (`.helm`: uninstall; `.namespace`: delete and wait until gone).
    func undo(_ step: SagaStep, for target: StoreTarget) async throws

    /// The WordPress admin login of an installed store (from the release's Secret).
    func credentials(for target: StoreTarget) async throws -> StoreCredentials

}

/// A store's WordPress admin login. Never logged, never in an event or a listing.
public struct StoreCredentials: Sendable, Hashable, Codable {
    public let username: String
    public let password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}
