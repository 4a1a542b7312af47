/// What a store is called in the cluster.
public struct StoreTarget: Sendable, Hashable {
    public let id: StoreID
    public let spec: StoreSpec
    /// The config to bring the store to (the chart's values follow it).
    public let config: StoreConfig
    /// For a rollback: the revision to return to (nil: the one before the last).
    public let rollbackRevision: Int?
    /// What the backup steps work on (a backup, restore or backup deletion; a clone's seed).
    public let backup: BackupWork?

    public init(
        id: StoreID, spec: StoreSpec, config: StoreConfig? = nil, rollbackRevision: Int? = nil, backup: BackupWork? = nil
    ) {
        self.id = id
        self.spec = spec
        self.config = config ?? StoreConfig(spec: spec)
        self.rollbackRevision = rollbackRevision
        self.backup = backup
    }

    /// The target of a store's saga now: the operation's config (or, rolling back, the one
    /// before it), otherwise the desired config.
    public init(_ state: StoreState) {
        var work: BackupWork?
        if let operation = state.operation, let order = operation.backup {
            work = BackupWork(
                snapshot: order.snapshotID(operation.kind),
                source: operation.kind == .restore ? BackupWork.Source(store: state.id, backup: order.backup) : nil)
        } else if let clone = state.spec.cloneOf {
            work = BackupWork(
                snapshot: nil, source: BackupWork.Source(store: clone.store, backup: clone.backup),
                scrub: clone.scrub, rewriteFrom: clone.domain)
        }
        self.init(
            id: state.id, spec: state.spec, config: state.operation?.target ?? state.desired,
            rollbackRevision: state.operation?.rollback?.toRevision, backup: work)
    }

    /// The store's namespace, `store-<id>`.
    public var namespace: String { "store-\(id)" }
    /// The Helm release, `store-<first 8 hex digits of the id>` (short names keep the
    /// chart's resource names well under the 63-character limit).
    public var release: String { Self.release(of: id) }

    /// The Helm release of store `id`.
    public static func release(of id: StoreID) -> String { "store-\(id.description.prefix(8))" }
}

/// What the backup steps of a target work on.
public struct BackupWork: Sendable, Hashable {
    public struct Source: Sendable, Hashable {
        /// The store the backup belongs to (another store when seeding a clone).
        public let store: StoreID
        public let backup: String

        public init(store: StoreID, backup: String) {
            self.store = store
            self.backup = backup
        }
    }

    /// The backup of this store that `snapshot` writes, `discard` removes and
    /// `restore-snapshot` restores.
    public let snapshot: String?
    /// What `restore` (or a clone's `woocommerce` step) restores.
    public let source: Source?
    /// Scrub customers' personal data after the restore (a clone).
    public let scrub: Bool
    /// The host name the restored data's URLs name, rewritten to the store's own (a clone).
    public let rewriteFrom: String?

    public init(snapshot: String?, source: Source?, scrub: Bool = false, rewriteFrom: String? = nil) {
        self.snapshot = snapshot
        self.source = source
        self.scrub = scrub
        self.rewriteFrom = rewriteFrom
    }
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

    /// Runs one step of a day-two operation towards `target.config` (`.apply`: upgrade the
    /// release; `.rollback`: back to `target.rollbackRevision`; the others wait for the
    /// cluster to match). Returns details worth recording; `revision` when the release changed.
    ///
    /// The backup steps work on `target.backup`: `.snapshot` runs a backup Job and returns its
    /// manifest (JSON) as `manifest`; `.quiesce` upgrades the release to its config with
    /// `suspended` and waits for WordPress and MySQL to stop; `.restore` runs a restore Job
    /// of `backup.source`; `.restoreSnapshot` quiesces, then restores `backup.snapshot`;
    /// `.discard` removes `backup.snapshot`'s objects (gone already is done). With `run`, a
    /// clone's `.woocommerce` step restores `backup.source` once the shop is installed.
    func change(_ step: OperationStep, for target: StoreTarget) async throws -> [String: String]

    /// The WordPress admin login of an installed store (from the release's Secret).
    func credentials(for target: StoreTarget) async throws -> StoreCredentials

    /// Whether stores can be backed up (the chart renders its backup Job template): without
    /// it, backups, restores and clones are refused and a deletion takes no final backup.
    var takesBackups: Bool { get }
}

extension ClusterDriver {
    public var takesBackups: Bool { true }
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
