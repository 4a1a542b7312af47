/// The objects the store chart (`helm/store`) renders for one store, by kind and name: what
/// drift detection looks for on every cluster. One list for both drivers, so the simulated
/// cluster (which applies exactly these on each upgrade) and the Kubernetes driver (which reads
/// each through the API) cannot disagree about what "the chart's objects" are.
///
/// Listed: everything the store or Urumi stops working without — the workloads, their Services
/// (traffic), their volume claims (data), the credentials Secret, the Ingress (the shop's
/// address), and the suspended CronJobs that carry the backup and canary Job templates. Not
/// listed: ConfigMaps and the setup Job (their names carry content hashes or come back with the
/// next upgrade of the workload that mounts them), NetworkPolicies, the ResourceQuota, the
/// LimitRange and the ServiceAccount (guard rails whose absence does not stop the shop; see
/// docs/decisions/drift.md).
public enum StoreChartObjects {
    /// What the platform's chart values (`--chart-values`) turn on for every store.
    public struct Features: Sendable, Hashable {
        /// `ingress.enabled`: the store's Ingress `<fullname>`.
        public var ingress: Bool
        /// `backup.enabled`: the suspended CronJob `<fullname>-backup`.
        public var backups: Bool
        /// `backup.s3.bucket` empty: backups go to the claim `<fullname>-backups`.
        public var backupsOnVolume: Bool
        /// `canary.enabled`: the suspended CronJob `<fullname>-canary` (not while suspended).
        public var canary: Bool

        public init(ingress: Bool = false, backups: Bool = false, backupsOnVolume: Bool = false, canary: Bool = false) {
            self.ingress = ingress
            self.backups = backups
            self.backupsOnVolume = backupsOnVolume
            self.canary = canary
        }
    }

    /// The chart's objects for a store whose objects are named after `fullname` (the chart's
    /// `store.fullname`: the release, cut to 40 characters), in a stable order.
    public static func objects(fullname base: String, suspended: Bool, features: Features) -> [ChartObject] {
        var objects: [ChartObject] = [
            ChartObject(.secret, base + "-credentials"),
            ChartObject(.statefulSet, base + "-mysql"), ChartObject(.service, base + "-mysql"),
            // The name the StatefulSet's claim template gives pod 0 (store.mysqlClaimName).
            ChartObject(.persistentVolumeClaim, "data-" + base + "-mysql-0"),
            ChartObject(.deployment, base + "-wordpress"), ChartObject(.service, base + "-wordpress"),
            ChartObject(.persistentVolumeClaim, base + "-wordpress"),
        ]
        if features.ingress { objects.append(ChartObject(.ingress, base)) }
        if suspended {
            objects += [ChartObject(.deployment, base + "-maintenance"), ChartObject(.service, base + "-maintenance")]
        }
        if features.backups {
            objects.append(ChartObject(.cronJob, base + "-backup"))
            if features.backupsOnVolume { objects.append(ChartObject(.persistentVolumeClaim, base + "-backups")) }
        }
        if features.canary && !suspended { objects.append(ChartObject(.cronJob, base + "-canary")) }
        return objects
    }
}

/// One object of the store chart: its kind and name.
public struct ChartObject: Sendable, Hashable, CustomStringConvertible {
    /// The kinds the chart renders that drift detection looks for.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case secret = "Secret"
        case service = "Service"
        case persistentVolumeClaim = "PersistentVolumeClaim"
        case statefulSet = "StatefulSet"
        case deployment = "Deployment"
        case ingress = "Ingress"
        case cronJob = "CronJob"
    }

    public let kind: Kind
    public let name: String

    public init(_ kind: Kind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    /// "Kind/name", as drift differences name objects.
    public var description: String { "\(kind.rawValue)/\(name)" }
}
