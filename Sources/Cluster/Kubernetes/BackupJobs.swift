import Foundation
import Provisioning

/// Runs the store chart's backup Jobs. The chart renders a suspended CronJob
/// `<fullname>-backup` that only carries the Job template (Urumi is the scheduler); a backup,
/// restore or deletion copies that template into a Job named after the backup and the mode,
/// as `kubectl create job --from=cronjob/...` does, with the `URUMI_*` variables the scripts
/// read. The Job's last container reports its result as one line of JSON in its termination
/// message (the manifest, for a backup).
///
/// The Job's name is fixed per backup and mode, so a step run again after a crash finds the
/// Job it started and waits for it instead of starting another.
struct BackupJobs: Sendable {
    enum Mode: String, Sendable {
        case backup, restore, delete
    }

    let client: KubernetesClient
    let layout: StoreChartLayout
    let readiness: ReadinessSettings

    /// The name of the Job of `mode` for `backup` (at most 43 characters).
    static func jobName(_ mode: Mode, backup: String) -> String { "urumi-\(mode.rawValue)-\(backup)" }

    /// Runs one Job to its end and returns its result, plus `job` (its name).
    func run(
        _ mode: Mode, backup: String, owner: StoreID, in target: StoreTarget, scrub: Bool = false,
        rewriteFrom: String? = nil
    ) async throws -> [String: String] {
        let name = Self.jobName(mode, backup: backup)
        let jobs = "/apis/batch/v1/namespaces/\(target.namespace)/jobs"
        let existing = try await get("\(jobs)/\(name)", operation: "read Job \(name) in \(target.namespace)")
        if let existing, WorkloadReadiness.job(existing).isFailed {
            // A failed earlier attempt: remove it (with its pods) so the retry starts afresh.
            _ = try? await client.send(
                .DELETE, "\(jobs)/\(name)", query: [("propagationPolicy", "Background")],
                operation: "delete failed Job \(name)")
            throw ClusterError.transient("removed the failed Job \(name) of an earlier attempt; the next attempt starts a new one")
        }
        if existing == nil {
            let job = try await makeJob(
                name, mode: mode, backup: backup, owner: owner, target: target, scrub: scrub, rewriteFrom: rewriteFrom)
            do {
                _ = try await client.send(.POST, jobs, body: job, operation: "create Job \(name) in \(target.namespace)")
            } catch let error as KubernetesAPIError where error.code == 409 {
                // Created meanwhile by another attempt: wait for that one.
            } catch let error as KubernetesAPIError {
                throw KubernetesErrorClassifier.classify(error)
            }
        }
        let workload = Workload(
            kind: .job, name: name, namespace: target.namespace, podSelector: "batch.kubernetes.io/job-name=\(name)")
        var details = try await WorkloadWaiter(client: client, settings: readiness).wait(for: workload)
        let result = try await terminationMessage(ofJob: name, in: target.namespace)
        details["job"] = name
        details["result"] = result
        // Done and read: the Job (and its pod) leave nothing behind in the namespace.
        _ = try? await client.send(
            .DELETE, "\(jobs)/\(name)", query: [("propagationPolicy", "Background")], operation: "delete Job \(name)")
        return details
    }

    /// The Job: the CronJob's template with the backup's variables on every container.
    func makeJob(
        _ name: String, mode: Mode, backup: String, owner: StoreID, target: StoreTarget, scrub: Bool,
        rewriteFrom: String?
    ) async throws -> JSONValue {
        let template = layout.fullname(target.release) + layout.backupCronJobSuffix
        let path = "/apis/batch/v1/namespaces/\(target.namespace)/cronjobs/\(template)"
        guard let cronJob = try await get(path, operation: "read CronJob \(template) in \(target.namespace)") else {
            throw ClusterError.permanent(
                "backups are not enabled for this store: the chart rendered no CronJob \(template) (set backup.enabled in --chart-values)")
        }
        guard case .object(var spec)? = cronJob[path: "spec", "jobTemplate", "spec"],
            case .object(var podTemplate)? = spec["template"], case .object(var podSpec)? = podTemplate["spec"]
        else {
            throw ClusterError.permanent("CronJob \(template) has no Job template")
        }
        var variables: [(String, String)] = [
            ("URUMI_BACKUP_MODE", mode.rawValue), ("URUMI_BACKUP_ID", backup), ("URUMI_BACKUP_STORE", owner.description),
            ("URUMI_WORDPRESS_VERSION", target.config.effectiveWordPressVersion),
            ("URUMI_WOOCOMMERCE_VERSION", target.config.effectiveWooCommerceVersion),
            ("URUMI_SCRUB", String(scrub)),
        ]
        if let rewriteFrom, rewriteFrom != target.spec.domain {
            variables += [("URUMI_URL_FROM", "https://\(rewriteFrom)"), ("URUMI_URL_TO", "https://\(target.spec.domain)")]
        }
        // Another store's data: its admin login is replaced by this store's own.
        if owner != target.id { variables.append(("URUMI_RESET_ADMIN", "true")) }
        for key in ["initContainers", "containers"] {
            guard let containers = podSpec[key]?.array else { continue }
            podSpec[key] = .array(containers.map { Self.setting(variables, on: $0) })
        }
        podTemplate["spec"] = .object(podSpec)
        spec["template"] = .object(podTemplate)
        var labels = cronJob[path: "spec", "jobTemplate", "metadata", "labels"]?.object ?? [:]
        labels["urumi.io/backup"] = .string(backup)
        labels["urumi.io/backup-mode"] = .string(mode.rawValue)
        return [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": ["name": .string(name), "namespace": .string(target.namespace), "labels": .object(labels)],
            "spec": .object(spec),
        ]
    }

    /// A container with `variables` set (replacing the template's defaults of the same name).
    static func setting(_ variables: [(String, String)], on container: JSONValue) -> JSONValue {
        guard case .object(var fields) = container else { return container }
        let names = Set(variables.map(\.0))
        var env = (fields["env"]?.array ?? []).filter { !names.contains($0["name"]?.string ?? "") }
        env += variables.map { ["name": .string($0.0), "value": .string($0.1)] }
        fields["env"] = .array(env)
        return .object(fields)
    }

    /// The result the Job's last container wrote to its termination message.
    func terminationMessage(ofJob name: String, in namespace: String) async throws -> String {
        let pods = try await client.send(
            .GET, "/api/v1/namespaces/\(namespace)/pods", query: [("labelSelector", "batch.kubernetes.io/job-name=\(name)")],
            operation: "list pods of Job \(name)")
        for pod in pods["items"]?.array ?? [] where pod[path: "status", "phase"]?.string == "Succeeded" {
            let last = pod[path: "spec", "containers"]?.array?.last?["name"]?.string
            let statuses = pod[path: "status", "containerStatuses"]?.array ?? []
            if let status = statuses.first(where: { $0["name"]?.string == last }) ?? statuses.last,
                let message = status[path: "state", "terminated", "message"]?.string, !message.isEmpty
            {
                return message.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        throw ClusterError.permanent("Job \(name) succeeded but its pod reported no result in its termination message")
    }

    private func get(_ path: String, operation: String) async throws -> JSONValue? {
        do {
            return try await client.send(.GET, path, operation: operation)
        } catch let error as KubernetesAPIError where error.code == 404 {
            return nil
        } catch let error as KubernetesAPIError {
            throw KubernetesErrorClassifier.classify(error)
        }
    }
}

extension Readiness {
    var isFailed: Bool {
        if case .failed = self { return true }
        return false
    }
}
