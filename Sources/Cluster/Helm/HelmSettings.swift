/// How the Helm adapter runs the `helm` CLI.
public struct HelmSettings: Sendable, Hashable {
    /// `helm` (looked up on PATH) or a path to it.
    public var executable: String
    /// The store chart's directory.
    public var chartDirectory: String
    /// `--timeout` of `helm upgrade --install`. The chart has no hooks and helm runs without
    /// `--wait`, so this bounds applying the objects (and the `lookup`s of the templates).
    public var installTimeout: Duration
    /// `--timeout` of `helm uninstall`.
    public var uninstallTimeout: Duration
    /// Extra time given to helm beyond its own `--timeout` before the process is stopped.
    public var processSlack: Duration
    /// The platform's own values files (ingress class, TLS issuer, images, plan sizes...),
    /// given to every install before the store's values, which therefore win.
    public var platformValuesFiles: [String]
    /// Passed through to helm so that it talks to the same cluster as the REST client.
    public var kubeconfig: String?
    public var kubeContext: String?

    public init(
        executable: String = "helm", chartDirectory: String, installTimeout: Duration = .seconds(5 * 60),
        uninstallTimeout: Duration = .seconds(5 * 60), processSlack: Duration = .seconds(30), platformValuesFiles: [String] = [],
        kubeconfig: String? = nil, kubeContext: String? = nil
    ) {
        self.platformValuesFiles = platformValuesFiles
        self.executable = executable
        self.chartDirectory = chartDirectory
        self.installTimeout = installTimeout
        self.uninstallTimeout = uninstallTimeout
        self.processSlack = processSlack
        self.kubeconfig = kubeconfig
        self.kubeContext = kubeContext
    }
}
