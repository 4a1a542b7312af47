import Provisioning

/// What the Kubernetes adapter knows about the store chart (`helm/store`): the values it
/// requires and the names of the objects the readiness steps watch. One place, following the
/// chart README's "What Urumi relies on" table; change it here if the chart renames things.
public struct StoreChartLayout: Sendable, Hashable {
    /// The chart cuts the release name to this many characters for its objects' base name.
    public var fullnameLimit = 40
    public var mysqlStatefulSetSuffix = "-mysql"
    public var wordpressDeploymentSuffix = "-wordpress"
    /// The Secret of generated credentials, `<fullname>-credentials`, and its admin keys.
    public var credentialsSecretSuffix = "-credentials"
    public var adminUserKey = "wordpress-admin-user"
    public var adminPasswordKey = "wordpress-admin-password"
    /// Labels every pod of a component carries: instance = release, component = name.
    public var instanceLabel = "app.kubernetes.io/instance"
    public var componentLabel = "app.kubernetes.io/component"

    public init() {}

    /// `store.fullname` of the chart: the release cut to `fullnameLimit`, without a trailing "-".
    public func fullname(_ release: String) -> String {
        var name = String(release.prefix(fullnameLimit))
        while name.hasSuffix("-") { name.removeLast() }
        return name
    }

    /// The workload whose readiness `step` waits for (nil for namespace and helm).
    func workload(for step: SagaStep, of target: StoreTarget) -> Workload? {
        let base = fullname(target.release)
        let selector = { (component: String) in
            "\(instanceLabel)=\(target.release),\(componentLabel)=\(component)"
        }
        switch step {
        case .namespace, .helm:
            return nil
        case .mysql:
            return Workload(
                kind: .statefulSet, name: base + mysqlStatefulSetSuffix, namespace: target.namespace,
                podSelector: selector("mysql"))
        case .wordpress:
            return Workload(
                kind: .deployment, name: base + wordpressDeploymentSuffix, namespace: target.namespace,
                podSelector: selector("wordpress"))
        case .woocommerce:
            // `<fullname>-setup-<hash of its spec>`: found by its labels, the newest one.
            return Workload(
                kind: .job, identity: .newest(labelSelector: selector("setup")), namespace: target.namespace,
                podSelector: selector("setup"))
        }
    }

    /// The chart's values for a store: the four required ones and `storeId` for the labels.
    public func values(for target: StoreTarget) -> [String: String] {
        [
            "storeName": target.spec.name,
            "domain": target.spec.domain,
            "adminEmail": target.spec.adminEmail,
            "plan": target.spec.plan.rawValue,
            "storeId": target.id.description,
        ]
    }
}
