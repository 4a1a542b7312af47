import ArgumentParser
import Foundation
import Logging
import Provisioning
import UrumiApp

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Urumi server: HTTP API, projector and saga coordinator.")

    enum ClusterKind: String, ExpressibleByArgument, CaseIterable {
        case simulated
        case kubernetes
    }

    enum AuthMode: String, ExpressibleByArgument, CaseIterable {
        case tokens
        case none
    }

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Port to listen on (default: $URUMI_PORT or 8080).")
    var port: Int?

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Which cluster provisions the stores.")
    var cluster: ClusterKind = .simulated

    @Option(help: "Authentication: 'tokens' (bearer tokens and dashboard sessions) or 'none' (local development only).")
    var auth: AuthMode = .tokens

    @Flag(help: "Allow --auth none on an address other than loopback (anyone who can reach it is admin).")
    var allowNoAuthOnNetwork = false

    @Flag(help: "Mark session cookies Secure (set it when Urumi is served over HTTPS; X-Forwarded-Proto: https does too).")
    var secureCookies = false

    @OptionGroup(title: "Simulated cluster") var simulation: SimulationOptions
    @OptionGroup(title: "Kubernetes cluster (--cluster kubernetes)") var kubernetes: KubernetesOptions
    @OptionGroup(title: "Sagas") var saga: SagaOptions
    @OptionGroup(title: "Event stream") var stream: StreamOptions
    @OptionGroup(title: "Backups") var backups: BackupOptions
    @OptionGroup(title: "Fleet: order canary and rollouts") var fleet: FleetOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["URUMI_LOG_LEVEL"] ?? "info"

    @Option(help: "Directory of the SQL migrations (default: found beside the binary).")
    var schemaDir: String?

    func run() async throws {
        let settings = try settings()
        try await failing { try await Server.run(settings) }
    }

    /// The settings these flags (and the environment) give; a refusal exits with one line.
    func settings() throws -> ServerSettings {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        let resolvedPort = try port ?? Self.environmentPort()
        if auth == .none, !["127.0.0.1", "::1", "localhost"].contains(host), !allowNoAuthOnNetwork {
            // One line, like every refusal (a ValidationError would add a usage screen that
            // buries the reason in a deploy log).
            let reason =
                "--auth none listens on \(host), where anyone who reaches it is admin; "
                + "use --host 127.0.0.1, or add --allow-no-auth-on-network"
            FileHandle.standardError.write(Data("urumi: \(reason)\n".utf8))
            throw ExitCode.failure
        }
        let clusterChoice: ServerSettings.ClusterChoice
        var clusterDeadlines: [SagaStep: Duration] = [:]
        switch cluster {
        case .simulated:
            clusterChoice = .simulated(try simulation.settings())
        case .kubernetes:
            let kube = try kubernetes.settings()
            // Defaults of the real cluster (--step-deadline still wins). helm: its own --timeout
            // plus the slack before its process is stopped, plus a margin, so that helm's own
            // message is what the user sees. woocommerce: a little longer than the setup Job's
            // activeDeadlineSeconds (chart default 2400 s, counted from the Job's creation,
            // which is before this step starts), for the same reason.
            clusterDeadlines = [.helm: kube.helmTimeout + .seconds(60), .woocommerce: .seconds(2400 + 60)]
            clusterChoice = .kubernetes(kube)
        }
        let sagaConfiguration = try saga.configuration(defaults: clusterDeadlines)
        var settings = ServerSettings(
            databaseURL: try database.resolvedURL(), poolSize: database.dbPoolSize, host: host, port: resolvedPort,
            cluster: clusterChoice, saga: sagaConfiguration, stream: try stream.configuration(),
            logLevel: level, schemaDir: schemaDir, authenticate: auth == .tokens, secureCookies: secureCookies)
        settings.backups = try backups.settings()
        settings.fleet = try fleet.settings()
        return settings
    }

    static func environmentPort() throws -> Int {
        guard let text = ProcessInfo.processInfo.environment["URUMI_PORT"], !text.isEmpty else { return 8080 }
        guard let port = Int(text), (0...65535).contains(port) else { throw ValidationError("URUMI_PORT must be a port number") }
        return port
    }
}
