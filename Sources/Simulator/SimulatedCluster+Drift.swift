import Provisioning

extension SimulatedCluster: StoreInspectionDriver {
    /// Reads the release's current revision, its values and which of the chart's objects for
    /// the store's config exist. Faults are drawn as `inspect` (`--sim-flaky inspect=1`: a
    /// cluster that cannot be read).
    public func inspect(_ target: StoreTarget) async throws -> ClusterObservation {
        try await injectFaults("inspect")
        let expected = SimulatedChart.objects(release: target.release, suspended: target.config.suspended)
        guard try await inventory.exists(.release, name: target.release),
            let current = try await inventory.current(release: target.release)
        else {
            return ClusterObservation(
                revision: nil, values: [:], objects: expected.map { Self.object($0, present: false) })
        }
        let present = try await inventory.objects(release: target.release)
        return ClusterObservation(
            revision: current.revision, values: try SimulatedChart.flatten(current.values),
            objects: expected.map { Self.object($0, present: present.contains($0)) })
    }

    public func expectedValues(for target: StoreTarget) throws -> [String: String] {
        try SimulatedChart.flatten(try Self.values(target.config))
    }

    private static func object(_ reference: String, present: Bool) -> ClusterObservation.Object {
        let parts = reference.split(separator: "/", maxSplits: 1).map(String.init)
        return ClusterObservation.Object(kind: parts[0], name: parts.count > 1 ? parts[1] : "", present: present)
    }

    /// `helm upgrade` in the simulation: a new revision with `config`'s values, and the chart's
    /// objects for them applied (a deleted one comes back).
    func upgradeRelease(_ target: StoreTarget, to config: StoreConfig) async throws -> Int? {
        let revision = try await inventory.upgrade(release: target.release, values: try Self.values(config))
        try await inventory.applyObjects(
            release: target.release, objects: SimulatedChart.objects(release: target.release, suspended: config.suspended))
        return revision
    }

    /// `helm rollback` in the simulation: a new revision with an older one's values, whose
    /// objects are applied.
    func rollbackRelease(_ target: StoreTarget) async throws -> Int? {
        guard let revision = try await inventory.rollback(release: target.release, to: target.rollbackRevision) else { return nil }
        let suspended = try await inventory.current(release: target.release).map { SimulatedChart.suspended($0.values) } ?? false
        try await inventory.applyObjects(
            release: target.release, objects: SimulatedChart.objects(release: target.release, suspended: suspended))
        return revision
    }
}
