/// A kubeconfig `exec` credential plugin: a command that prints an ExecCredential whose
/// `status.token` is the bearer token (cached until `status.expirationTimestamp`).
public struct ExecCredentialPlugin: Sendable, Hashable {
    /// `client.authentication.k8s.io/v1` (or `v1beta1`).
    public var apiVersion: String
    /// The command: a name looked up on PATH, or a path (relative paths are relative to the
    /// kubeconfig's directory, as kubectl does).
    public var command: String
    public var arguments: [String]
    /// Extra environment variables for the command.
    public var environment: [String: String]
    /// Shown when the command cannot be found.
    public var installHint: String?

    public init(
        apiVersion: String = "client.authentication.k8s.io/v1", command: String, arguments: [String] = [],
        environment: [String: String] = [:], installHint: String? = nil
    ) {
        self.apiVersion = apiVersion
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.installHint = installHint
    }
}
