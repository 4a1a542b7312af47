import Foundation
import Provisioning

/// Supplies the bearer token of a connection: a fixed token, a file re-read every minute
/// (rotated service-account tokens), or an exec plugin's ExecCredential cached until its
/// `expirationTimestamp`. After a 401 the client calls `invalidate()` and asks once more.
public actor KubeTokenSource {
    private let credentials: KubeCredentials
    private let runner: CommandRunner
    private let now: @Sendable () -> Date
    private var cached: (token: String, until: Date?)?
    private var inFlight: Task<ExecCredential, any Error>?
    /// How many times the exec plugin ran (tests check the cache).
    public private(set) var pluginRuns = 0

    public init(_ credentials: KubeCredentials, runner: CommandRunner = CommandRunner(), now: @escaping @Sendable () -> Date = Date.init) {
        self.credentials = credentials
        self.runner = runner
        self.now = now
    }

    /// The token to send, or nil when the connection uses none.
    public func token() async throws -> String? {
        if let cached, cached.until.map({ now() < $0 }) ?? true { return cached.token }
        switch credentials {
        case .none:
            return nil
        case .token(let token):
            return token
        case .tokenFile(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ClusterError.permanent("cannot read the Kubernetes token file \(path)")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            cached = (token, now().addingTimeInterval(60))
            return token
        case .exec(let plugin):
            // One run at a time: requests that arrive while the plugin runs (the actor is
            // re-entered at the await) share its answer instead of starting it again.
            let running: Task<ExecCredential, any Error>
            if let inFlight {
                running = inFlight
            } else {
                running = Task { try await self.run(plugin) }
                inFlight = running
            }
            defer { if inFlight == running { inFlight = nil } }
            let credential = try await running.value
            // Refresh a little before the plugin's expiry so that no request carries a token
            // that expires on the way.
            cached = (credential.token, credential.expiration.map { $0.addingTimeInterval(-10) })
            return credential.token
        }
    }

    /// Forgets a cached token (the API answered 401).
    public func invalidate() {
        cached = nil
    }

    private func run(_ plugin: ExecCredentialPlugin) async throws -> ExecCredential {
        pluginRuns += 1
        var environment = plugin.environment
        environment["KUBERNETES_EXEC_INFO"] =
            #"{"apiVersion":"\#(plugin.apiVersion)","kind":"ExecCredential","spec":{"interactive":false}}"#
        let result: CommandRunner.Result
        do {
            result = try await runner.run(plugin.command, plugin.arguments, environment: environment, timeout: .seconds(60))
        } catch CommandRunner.Failure.cannotRun(let why) {
            let hint = plugin.installHint.map { " (\($0.trimmingCharacters(in: .whitespacesAndNewlines)))" } ?? ""
            throw ClusterError.permanent("the kubeconfig's credential plugin cannot run: \(why)\(hint)")
        } catch CommandRunner.Failure.timedOut {
            throw ClusterError.transient("the kubeconfig's credential plugin \(plugin.command) did not answer within 60s")
        }
        guard result.exitCode == 0 else {
            let detail = SecretRedactor().redact(String(result.standardError.suffix(500)))
            throw ClusterError.transient(
                "the kubeconfig's credential plugin \(plugin.command) failed (exit \(result.exitCode.map(String.init) ?? "by signal")): \(detail)")
        }
        return try ExecCredential.parse(result.standardOutput, expectedAPIVersion: plugin.apiVersion)
    }
}
