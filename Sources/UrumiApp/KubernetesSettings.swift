/// What `urumi serve --cluster kubernetes` needs to build the real driver.
public struct KubernetesSettings: Sendable {
    public var kubeconfig: String?
    public var context: String?
    public var helm: String
    public var chartDir: String?
    public var helmTimeout: Duration
    public var chartValues: [String]
    public var storeClusterRole: String?

    public init(
        kubeconfig: String?, context: String?, helm: String, chartDir: String?, helmTimeout: Duration,
        chartValues: [String], storeClusterRole: String?
    ) {
        self.kubeconfig = kubeconfig
        self.context = context
        self.helm = helm
        self.chartDir = chartDir
        self.helmTimeout = helmTimeout
        self.chartValues = chartValues
        self.storeClusterRole = storeClusterRole
    }
}
