import Provisioning

extension KubernetesCluster: StoreInspectionDriver {
    /// The release's current revision and owned values (helm), and whether each object the
    /// chart renders for the store's config exists (the Kubernetes API).
    public func inspect(_ target: StoreTarget) async throws -> ClusterObservation {
        let deployed = try await helm.deployed(target)
        var objects: [ClusterObservation.Object] = []
        for object in layout.expectedObjects(for: target, features: chartFeatures) {
            objects.append(
                ClusterObservation.Object(kind: object.kind.rawValue, name: object.name, present: try await exists(object, in: target)))
        }
        return ClusterObservation(
            revision: deployed?.revision, values: try deployed.map { try ChartValuesReader.owned($0.values) } ?? [:],
            objects: objects)
    }

    public func expectedValues(for target: StoreTarget) throws -> [String: String] {
        try ChartValuesReader.expected(layout.values(for: target))
    }

    private func exists(_ object: ChartObject, in target: StoreTarget) async throws -> Bool {
        let path = "\(object.kind.apiPath)/namespaces/\(target.namespace)/\(object.kind.resource)/\(object.name)"
        do {
            _ = try await client.send(.GET, path, operation: "read \(object.kind.rawValue) \(object.name) in \(target.namespace)")
            return true
        } catch let error as KubernetesAPIError where error.code == 404 {
            return false
        } catch let error as KubernetesAPIError {
            throw KubernetesErrorClassifier.classify(error)
        }
    }
}

extension StoreChartLayout {
    /// The objects the chart renders for the store's config with the platform's `features`
    /// (`StoreChartObjects`, the list the simulated cluster applies too).
    func expectedObjects(for target: StoreTarget, features: StoreChartObjects.Features) -> [ChartObject] {
        StoreChartObjects.objects(fullname: fullname(target.release), suspended: target.config.suspended, features: features)
    }
}

extension ChartObject.Kind {
    /// The API group path of the kind: `/api/v1`, `/apis/apps/v1`, ...
    var apiPath: String {
        switch self {
        case .secret, .service, .persistentVolumeClaim: "/api/v1"
        case .statefulSet, .deployment: "/apis/apps/v1"
        case .ingress: "/apis/networking.k8s.io/v1"
        case .cronJob: "/apis/batch/v1"
        }
    }

    /// The kind's resource (collection) name.
    var resource: String {
        switch self {
        case .secret: "secrets"
        case .service: "services"
        case .persistentVolumeClaim: "persistentvolumeclaims"
        case .statefulSet: "statefulsets"
        case .deployment: "deployments"
        case .ingress: "ingresses"
        case .cronJob: "cronjobs"
        }
    }
}
