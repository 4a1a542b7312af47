import EventStore
import Provisioning

/// What the routes need, built once by the composition root (`urumi serve`) or a test.
public struct APIEnvironment: Sendable {
    public let commands: StoreCommandHandler
    public let credentials: StoreCredentialsService
    /// The stores' keys, to open sealed fields in the events the API shows.
    public let vault: any PersonalDataVault
    public let readModel: any StoreReadModel
    /// The log, for SSE catch-up.
    public let events: any EventStore
    public let audit: any EventAudit
    /// Fans the live log out to SSE clients (nil: no /stream).
    public let broadcaster: EventBroadcaster?
    /// Said in every store response, so nobody mistakes a simulation for real shops.
    public let cluster: ClusterInfo
    /// Answers whether the server can take requests (database reachable, ...).
    public let readiness: @Sendable () async -> Bool
    public let auth: AuthSettings
    /// The Prometheus text for `GET /metrics` (nil: no such route).
    public let metrics: (@Sendable () async -> String)?
    /// Runs a store's order canary on demand (nil: no `POST /stores/{id}/health-checks`).
    public var health: HealthChecker?
    /// Checks a store for drift on demand (nil: no `POST /stores/{id}/drift-checks`).
    public var drift: DriftChecker?
    /// Rollouts over many stores (nil: no `/rollouts`).
    public var rollouts: RolloutService?
    /// Counts of stores by status, plan, health and version (nil: no `/stores/counts`).
    public var counts: (@Sendable () async throws -> StoreCounts)?
    /// Rendered list pages by request and position (see `ListBodyCache`).
    let listBodies = ListBodyCache()
    /// Whether DELETE takes a final backup, and for how long it is kept.
    public var backups = BackupSettings()
    /// False when the cluster cannot take backups (the chart values leave `backup.enabled` off).
    public var backupsAvailable = true

    public init(
        commands: StoreCommandHandler, credentials: StoreCredentialsService, vault: any PersonalDataVault, readModel: any StoreReadModel, events: any EventStore, audit: any EventAudit,
        broadcaster: EventBroadcaster?, cluster: ClusterInfo,
        readiness: @escaping @Sendable () async -> Bool, auth: AuthSettings,
        metrics: (@Sendable () async -> String)? = nil
    ) {
        self.commands = commands
        self.credentials = credentials
        self.vault = vault
        self.readModel = readModel
        self.events = events
        self.audit = audit
        self.broadcaster = broadcaster
        self.cluster = cluster
        self.readiness = readiness
        self.auth = auth
        self.metrics = metrics
    }
}

/// Which cluster is behind Urumi, as every store response says.
public struct ClusterInfo: Sendable, Codable, Hashable {
    public let kind: String
    public let simulated: Bool
    public let note: String

    public init(kind: String, simulated: Bool, note: String) {
        self.kind = kind
        self.simulated = simulated
        self.note = note
    }
}
