import Foundation
import Provisioning

/// Runs a store's order canary on a real cluster: the chart's suspended CronJob
/// `<fullname>-canary` carries the Job template (`canary.enabled`); a run copies it into the Job
/// `<fullname>-canary-<id>` with `URUMI_CANARY_ID` on every container (the chart README's "Job
/// contract"), waits for it to end, and reads the result JSON from the termination message of
/// the container `canary`. The Job deletes itself (`ttlSecondsAfterFinished`); Urumi deletes it
/// too once the result is read.
struct CanaryJobs: Sendable {
    let client: KubernetesClient
    let layout: StoreChartLayout
    let readiness: ReadinessSettings

    static let templateSuffix = "-canary"

    func run(_ check: String, for target: StoreTarget) async throws -> CanaryResult {
        let base = layout.fullname(target.release)
        let name = String("\(base)\(Self.templateSuffix)-\(check)".prefix(63))
        let jobs = "/apis/batch/v1/namespaces/\(target.namespace)/jobs"
        let job = try await makeJob(name, check: check, base: base, target: target)
        do {
            _ = try await client.send(.POST, jobs, body: job, operation: "create Job \(name) in \(target.namespace)")
        } catch let error as KubernetesAPIError where error.code == 409 {
            // Made by an earlier call with the same id: wait for that one.
        } catch let error as KubernetesAPIError {
            throw KubernetesErrorClassifier.classify(error)
        }
        let workload = Workload(
            kind: .job, name: name, namespace: target.namespace, podSelector: "batch.kubernetes.io/job-name=\(name)")
        var jobFailure: String?
        do {
            _ = try await WorkloadWaiter(client: client, settings: readiness).wait(for: workload)
        } catch let error as ClusterError where error.kind == .permanent {
            // A failed Job is a failed canary: its pod's message says why.
            jobFailure = error.message
        }
        let message = try await resultMessage(ofJob: name, in: target.namespace)
        // Read: the Job (and its pod) leave nothing behind (the TTL would, later).
        _ = try? await client.send(
            .DELETE, "\(jobs)/\(name)", query: [("propagationPolicy", "Background")], operation: "delete Job \(name)")
        guard let message else {
            return CanaryResult(
                passed: false, latencyMs: 0, failedStep: "job",
                reason: jobFailure ?? "the canary Job ended without a result in its termination message")
        }
        return Self.parse(message, jobFailure: jobFailure)
    }

    /// The result line as the chart's canary writes it; a malformed one is a failed canary.
    static func parse(_ message: String, jobFailure: String?) -> CanaryResult {
        guard let object = try? JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any],
            let outcome = object["outcome"] as? String
        else {
            return CanaryResult(passed: false, latencyMs: 0, failedStep: "job", reason: "unreadable canary result: \(message.prefix(200))")
        }
        let latency = (object["latencyMs"] as? NSNumber)?.intValue ?? 0
        if outcome == "passed" && jobFailure == nil { return CanaryResult(passed: true, latencyMs: latency) }
        return CanaryResult(
            passed: false, latencyMs: latency, failedStep: object["failedStep"] as? String ?? "job",
            reason: object["reason"] as? String ?? jobFailure ?? "the canary failed")
    }

    func makeJob(_ name: String, check: String, base: String, target: StoreTarget) async throws -> JSONValue {
        let template = base + Self.templateSuffix
        let path = "/apis/batch/v1/namespaces/\(target.namespace)/cronjobs/\(template)"
        let cronJob: JSONValue
        do {
            cronJob = try await client.send(.GET, path, operation: "read CronJob \(template) in \(target.namespace)")
        } catch let error as KubernetesAPIError where error.code == 404 {
            throw ClusterError.permanent(
                "the order canary is not enabled for this store: the chart rendered no CronJob \(template) (set canary.enabled in --chart-values)")
        } catch let error as KubernetesAPIError {
            throw KubernetesErrorClassifier.classify(error)
        }
        guard case .object(var spec)? = cronJob[path: "spec", "jobTemplate", "spec"],
            case .object(var podTemplate)? = spec["template"], case .object(var podSpec)? = podTemplate["spec"]
        else {
            throw ClusterError.permanent("CronJob \(template) has no Job template")
        }
        for key in ["initContainers", "containers"] {
            guard let containers = podSpec[key]?.array else { continue }
            podSpec[key] = .array(containers.map { BackupJobs.setting([("URUMI_CANARY_ID", check)], on: $0) })
        }
        podTemplate["spec"] = .object(podSpec)
        spec["template"] = .object(podTemplate)
        var labels = cronJob[path: "spec", "jobTemplate", "metadata", "labels"]?.object ?? [:]
        labels["urumi.io/canary"] = .string(check)
        return [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": ["name": .string(name), "namespace": .string(target.namespace), "labels": .object(labels)],
            "spec": .object(spec),
        ]
    }

    /// The termination message of the container `canary` of the Job's pod, if it wrote one.
    func resultMessage(ofJob name: String, in namespace: String) async throws -> String? {
        let pods: JSONValue
        do {
            pods = try await client.send(
                .GET, "/api/v1/namespaces/\(namespace)/pods", query: [("labelSelector", "batch.kubernetes.io/job-name=\(name)")],
                operation: "list pods of Job \(name)")
        } catch let error as KubernetesAPIError {
            throw KubernetesErrorClassifier.classify(error)
        }
        for pod in pods["items"]?.array ?? [] {
            for status in pod[path: "status", "containerStatuses"]?.array ?? [] where status["name"]?.string == "canary" {
                if let message = status[path: "state", "terminated", "message"]?.string, !message.isEmpty {
                    return message.trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
        }
        return nil
    }
}

extension KubernetesCluster: StoreCanaryDriver {
    public func canary(_ check: String, for target: StoreTarget) async throws -> CanaryResult {
        try await namespaces.requireActive(target.namespace, storeID: target.id.description)
        return try await CanaryJobs(client: client, layout: layout, readiness: readiness).run(check, for: target)
    }
}
