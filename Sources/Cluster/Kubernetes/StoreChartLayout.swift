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
    /// The suspended CronJob that carries the backup Job template (`backup.enabled`).
    public var backupCronJobSuffix = "-backup"
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

    /// The maintenance page's Deployment while a store is suspended, `<fullname>-maintenance`.
    public var maintenanceDeploymentSuffix = "-maintenance"
    /// The TLS Secret of the store's Ingress, `<release>-tls` (the chart's default); cert-manager's
    /// ingress-shim names the Certificate after it.
    public var tlsSecretSuffix = "-tls"

    /// The workloads that must settle for `config`: MySQL and WordPress ready, or, suspended,
    /// both at zero replicas with the maintenance page up.
    func workloads(for config: StoreConfig, of target: StoreTarget) -> [Workload] {
        var workloads = [SagaStep.mysql, .wordpress].compactMap { workload(for: $0, of: target) }
        if config.suspended {
            workloads.append(
                Workload(
                    kind: .deployment, name: fullname(target.release) + maintenanceDeploymentSuffix,
                    namespace: target.namespace,
                    podSelector: "\(instanceLabel)=\(target.release),\(componentLabel)=maintenance"))
        }
        return workloads
    }

    /// The cert-manager Certificate of the store's host names.
    func certificate(of target: StoreTarget) -> Workload {
        var certificate = Workload(
            kind: .certificate, name: fullname(target.release) + tlsSecretSuffix, namespace: target.namespace,
            podSelector: "acme.cert-manager.io/http01-solver=true")
        certificate.hosts = [target.spec.domain] + target.config.extraDomains
        return certificate
    }

    /// The chart's values for a store: the four required ones, `storeId` for the labels, and
    /// what day-two operations change (versions, plugins, extra domains, suspension).
    public func values(for target: StoreTarget) -> StoreChartValues {
        StoreChartValues(target)
    }
}

/// The values Urumi gives the store chart (`helm/store/values.yaml` documents each).
public struct StoreChartValues: Encodable, Sendable, Hashable {
    public struct Version: Encodable, Sendable, Hashable {
        public let version: String
    }

    public struct Plugin: Encodable, Sendable, Hashable {
        public let slug: String
        public let version: String?
    }

    public let storeName: String
    public let domain: String
    public let adminEmail: String
    public let plan: String
    public let storeId: String
    public let suspended: Bool
    public let extraDomains: [String]
    public let plugins: [Plugin]
    /// Only when pinned: absent keys keep the chart's defaults.
    public let wordpress: Version?
    public let woocommerce: Version?

    public init(_ target: StoreTarget) {
        let config = target.config
        storeName = config.name
        domain = target.spec.domain
        adminEmail = target.spec.adminEmail
        plan = config.plan.rawValue
        storeId = target.id.description
        suspended = config.suspended
        extraDomains = config.extraDomains
        plugins = config.plugins.map { Plugin(slug: $0.slug, version: $0.version) }
        wordpress = config.wordpressVersion.map(Version.init)
        woocommerce = config.woocommerceVersion.map(Version.init)
    }
}
