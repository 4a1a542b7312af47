/// A workload of the store chart whose readiness a saga step waits for.
struct Workload: Sendable, Hashable {
    enum Kind: String, Sendable, Hashable {
        case statefulSet = "StatefulSet"
        case deployment = "Deployment"
        case job = "Job"
        /// cert-manager's Certificate (cert-manager.io/v1).
        case certificate = "Certificate"

        /// The collection path in a namespace.
        func path(in namespace: String) -> String {
            switch self {
            case .statefulSet: "/apis/apps/v1/namespaces/\(namespace)/statefulsets"
            case .deployment: "/apis/apps/v1/namespaces/\(namespace)/deployments"
            case .job: "/apis/batch/v1/namespaces/\(namespace)/jobs"
            case .certificate: "/apis/cert-manager.io/v1/namespaces/\(namespace)/certificates"
            }
        }

        func readiness(_ object: JSONValue?) -> Readiness {
            switch self {
            case .statefulSet: WorkloadReadiness.statefulSet(object)
            case .deployment: WorkloadReadiness.deployment(object)
            case .job: WorkloadReadiness.job(object)
            case .certificate: WorkloadReadiness.certificate(object)
            }
        }
    }

    /// How the workload is found: by its fixed name, or as the newest object carrying some
    /// labels (the setup Job's name ends in a hash of its spec, so a changed spec is a new Job).
    enum Identity: Sendable, Hashable {
        case named(String)
        case newest(labelSelector: String)
    }

    var kind: Kind
    var identity: Identity
    var namespace: String
    /// Selects the workload's pods (for the diagnosis of what holds it up).
    var podSelector: String
    /// For a Certificate: the host names it must cover before its Ready counts.
    var hosts: [String] = []

    /// Where the workload stands, as its object tells.
    func readiness(_ object: JSONValue?) -> Readiness {
        kind == .certificate ? WorkloadReadiness.certificate(object, hosts: hosts) : kind.readiness(object)
    }

    init(kind: Kind, name: String, namespace: String, podSelector: String) {
        self.init(kind: kind, identity: .named(name), namespace: namespace, podSelector: podSelector)
    }

    init(kind: Kind, identity: Identity, namespace: String, podSelector: String) {
        self.kind = kind
        self.identity = identity
        self.namespace = namespace
        self.podSelector = podSelector
    }

    var description: String {
        switch identity {
        case .named(let name): "\(kind.rawValue) \(name)"
        case .newest(let selector): "the newest \(kind.rawValue) labelled \(selector)"
        }
    }

    /// The list + watch that sees the workload.
    var query: ResourceQuery {
        let path = kind.path(in: namespace)
        switch identity {
        case .named(let name):
            return ResourceQuery.named(name, in: path, kind: kind.rawValue)
        case .newest(let selector):
            return ResourceQuery(path: path, labelSelector: selector, description: description)
        }
    }

    /// The workload among the objects the query sees (by name): the named one, or the one
    /// created last among those not being deleted (helm deletes the Job an upgrade replaced;
    /// ties, within the API's one-second resolution, go to the greater name).
    func pick(from objects: [String: JSONValue]) -> (name: String, object: JSONValue)? {
        switch identity {
        case .named(let name):
            return objects[name].map { (name, $0) }
        case .newest:
            let live = objects.filter { $0.value[path: "metadata", "deletionTimestamp"] == nil }
            let newest = live.max { createdBefore($0.value, $1.value) }
            return newest.map { ($0.key, $0.value) }
        }
    }

    /// The pods that belong to the picked object. A Job's pods carry its name in
    /// `batch.kubernetes.io/job-name` (and the older `job-name`): pods of an older setup Job
    /// that is still being removed must not be blamed for the new one.
    func pods(_ pods: [JSONValue], of name: String?) -> [JSONValue] {
        guard kind == .job, let name else { return pods }
        return pods.filter { pod in
            let labels = pod[path: "metadata", "labels"]
            guard let owner = labels?["batch.kubernetes.io/job-name"]?.string ?? labels?["job-name"]?.string else {
                return true
            }
            return owner == name
        }
    }
}
