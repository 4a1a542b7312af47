import Provisioning

extension KubernetesCluster: StoreInspectionDriver {
    /// The release's current revision and owned values (helm), and whether each object the
    /// chart renders for the store's config exists (the Kubernetes API).
    public func inspect(_ target: StoreTarget) async throws -> ClusterObservation {
        let deployed = try await helm.deployed(target)
        var objects: [ClusterObservation.Object] = []
        for object in layout.expectedObjects(for: target) {
            objects.append(ClusterObservation.Object(kind: object.kind, name: object.name, present: try await exists(object, in: target)))
        }
        return ClusterObservation(
            revision: deployed?.revision, values: try deployed.map { try ChartValuesReader.owned($0.values) } ?? [:],
            objects: objects)
    }

    public func expectedValues(for target: StoreTarget) throws -> [String: String] {
        try ChartValuesReader.expected(layout.values(for: target))
    }

    private func exists(_ object: StoreChartLayout.ChartObject, in target: StoreTarget) async throws -> Bool {
        let path = "\(object.apiPath)/namespaces/\(target.namespace)/\(object.resource)/\(object.name)"
        do {
            _ = try await client.send(.GET, path, operation: "read \(object.kind) \(object.name) in \(target.namespace)")
            return true
        } catch let error as KubernetesAPIError where error.code == 404 {
            return false
        } catch let error as KubernetesAPIError {
            throw KubernetesErrorClassifier.classify(error)
        }
    }
}

extension StoreChartLayout {
    /// An object of the chart that drift detection looks for.
    struct ChartObject: Sendable, Hashable {
        let kind: String
        /// `/api/v1` or `/apis/apps/v1`.
        let apiPath: String
        /// `deployments`, `statefulsets`, `secrets`.
        let resource: String
        let name: String
    }

    /// The objects Urumi relies on (the chart README's table): the MySQL StatefulSet, the
    /// WordPress Deployment, the credentials Secret, and the maintenance Deployment while
    /// suspended.
    func expectedObjects(for target: StoreTarget) -> [ChartObject] {
        let base = fullname(target.release)
        var objects = [
            ChartObject(kind: "StatefulSet", apiPath: "/apis/apps/v1", resource: "statefulsets", name: base + mysqlStatefulSetSuffix),
            ChartObject(kind: "Deployment", apiPath: "/apis/apps/v1", resource: "deployments", name: base + wordpressDeploymentSuffix),
            ChartObject(kind: "Secret", apiPath: "/api/v1", resource: "secrets", name: base + credentialsSecretSuffix),
        ]
        if target.config.suspended {
            objects.append(
                ChartObject(kind: "Deployment", apiPath: "/apis/apps/v1", resource: "deployments", name: base + maintenanceDeploymentSuffix))
        }
        return objects
    }
}
