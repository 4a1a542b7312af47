import Provisioning

/// The backup steps on a real cluster: the chart's backup Jobs (`BackupJobs`), and `helm
/// upgrade` with `suspended` to quiesce the shop around a restore.
extension KubernetesCluster {
    var backupJobs: BackupJobs { BackupJobs(client: client, layout: layout, readiness: readiness) }

    func backupStep(_ step: OperationStep, for target: StoreTarget) async throws -> [String: String] {
        switch step {
        case .snapshot:
            guard let id = target.backup?.snapshot else { throw ClusterError.permanent("no backup id to write") }
            var details = try await backupJobs.run(.backup, backup: id, owner: target.id, in: target)
            guard let result = details.removeValue(forKey: "result"), let manifest = BackupManifest.parse(result) else {
                throw ClusterError.permanent("the backup Job of \(id) reported no valid manifest")
            }
            details["manifest"] = manifest.json
            details["bytes"] = String(manifest.totalBytes)
            details["target"] = manifest.target
            return details
        case .quiesce:
            return try await quiesce(target)
        case .restore:
            guard let source = target.backup?.source else { throw ClusterError.permanent("no backup to restore") }
            return try await backupJobs.run(.restore, backup: source.backup, owner: source.store, in: target)
        case .restoreSnapshot:
            guard let id = target.backup?.snapshot else { throw ClusterError.permanent("no safety backup to restore") }
            var details = try await quiesce(target)
            details.merge(try await backupJobs.run(.restore, backup: id, owner: target.id, in: target)) { _, new in new }
            return details
        case .discard:
            guard let id = target.backup?.snapshot else { throw ClusterError.permanent("no backup id to remove") }
            do {
                try await namespaces.requireActive(target.namespace, storeID: target.id.description)
            } catch {
                // The store's namespace is gone (a deleted store's final backup expiring):
                // there is no Job template left to run.
                throw ClusterError.permanent(
                    "cannot remove backup \(id): the store's namespace is gone; remove \(id) from the bucket by hand or with a lifecycle rule")
            }
            return try await backupJobs.run(.delete, backup: id, owner: target.id, in: target)
        case .apply, .workloads, .setup, .certificate, .rollback, .recover:
            throw ClusterError.permanent("\(step.rawValue) is not a backup step")
        }
    }

    /// The release upgraded with `suspended` (maintenance page up), then WordPress and MySQL
    /// watched down to zero.
    func quiesce(_ target: StoreTarget) async throws -> [String: String] {
        var quiet = target.config
        quiet.suspended = true
        let quietTarget = StoreTarget(id: target.id, spec: target.spec, config: quiet, backup: target.backup)
        var details = try await helm.install(quietTarget)
        let waiter = WorkloadWaiter(client: client, settings: readiness)
        for workload in layout.workloads(for: quiet, of: quietTarget) {
            details.merge(try await waiter.wait(for: workload)) { _, new in new }
        }
        return details
    }

    /// A clone's data: the source store's backup restored into the new store, scrubbed and its
    /// URLs rewritten when asked.
    func seed(_ target: StoreTarget, from source: BackupWork.Source, work: BackupWork) async throws -> [String: String] {
        var details = try await backupJobs.run(
            .restore, backup: source.backup, owner: source.store, in: target, scrub: work.scrub,
            rewriteFrom: work.rewriteFrom)
        details["seededFrom"] = "\(source.store)/\(source.backup)"
        return details
    }
}
