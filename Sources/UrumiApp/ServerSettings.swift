import Cluster
import HTTPAPI
import Logging
import Provisioning
import Simulator

/// Everything `urumi serve` needs to know.
public struct ServerSettings: Sendable {
    public var databaseURL: String
    public var poolSize: Int
    public var host: String
    public var port: Int
    public var cluster: ClusterChoice
    public var saga: SagaCoordinator.Configuration
    public var stream: EventBroadcaster.Configuration
    public var logLevel: Logger.Level
    public var schemaDir: String?
    public var authenticate: Bool
    public var secureCookies: Bool
    /// Backup schedules, retention, and the final backup of a deletion.
    public var backups = BackupSettings()
    /// The order canary's schedule and rollouts.
    public var fleet = FleetSettings()

    public enum ClusterChoice: Sendable {
        case simulated(SimulationSettings)
        case kubernetes(KubernetesSettings)
    }

    public init(
        databaseURL: String, poolSize: Int, host: String, port: Int, cluster: ClusterChoice,
        saga: SagaCoordinator.Configuration, stream: EventBroadcaster.Configuration, logLevel: Logger.Level,
        schemaDir: String?, authenticate: Bool, secureCookies: Bool
    ) {
        self.databaseURL = databaseURL
        self.poolSize = poolSize
        self.host = host
        self.port = port
        self.cluster = cluster
        self.saga = saga
        self.stream = stream
        self.logLevel = logLevel
        self.schemaDir = schemaDir
        self.authenticate = authenticate
        self.secureCookies = secureCookies
    }
}

extension ServerSettings {
    /// The application's part of these settings.
    public var application: ApplicationSettings {
        var settings = ApplicationSettings(
            host: host, port: port, saga: saga, stream: stream, authenticate: authenticate, secureCookies: secureCookies,
            backups: backups, backupTick: .seconds(60))
        settings.fleet = fleet
        return settings
    }
}

/// What the HTTP application needs beyond its dependencies.
public struct ApplicationSettings: Sendable {
    public var host: String
    public var port: Int
    public var saga: SagaCoordinator.Configuration
    public var stream: EventBroadcaster.Configuration
    public var authenticate: Bool
    public var secureCookies: Bool
    public var backups: BackupSettings
    /// How often the backup scheduler looks for due backups and expired ones (nil: it does not run).
    public var backupTick: Duration?
    /// The order canary's schedule and rollouts.
    public var fleet = FleetSettings()

    public init(
        host: String = "127.0.0.1", port: Int = 0, saga: SagaCoordinator.Configuration = .init(),
        stream: EventBroadcaster.Configuration = .init(), authenticate: Bool = true, secureCookies: Bool = false,
        backups: BackupSettings = BackupSettings(), backupTick: Duration? = nil
    ) {
        self.backups = backups
        self.backupTick = backupTick
        self.host = host
        self.port = port
        self.saga = saga
        self.stream = stream
        self.authenticate = authenticate
        self.secureCookies = secureCookies
    }
}
