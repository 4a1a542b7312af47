@testable import Cluster
import Foundation
import Provisioning
import Testing

/// The order canary on the Kubernetes API test server: the Job is the chart's CronJob template
/// with `URUMI_CANARY_ID` on every container, its result is read from the termination message
/// of the container `canary`, and the Job is deleted once read.
@Suite(.timeLimit(.minutes(1))) struct CanaryJobTests {
    static func cronJob(_ name: String) -> JSONValue {
        let container: (String) -> JSONValue = { ["name": .string($0), "image": "wordpress:cli", "env": [["name": "URUMI_CANARY_ID", "value": "template"]]] }
        return [
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": .string(name)],
            "spec": [
                "suspend": true, "schedule": "0 0 31 2 *",
                "jobTemplate": [
                    "metadata": ["labels": ["app.kubernetes.io/component": "canary"]],
                    "spec": [
                        "backoffLimit": 0,
                        "template": [
                            "metadata": ["labels": ["app.kubernetes.io/component": "canary"]],
                            "spec": ["restartPolicy": "Never", "initContainers": [container("shop")], "containers": [container("canary")]],
                        ],
                    ],
                ],
            ],
        ]
    }

    /// Runs the canary `check`; when its Job appears, its pod reports `message` and the Job
    /// ends (failed with `jobFailure`, or complete). Returns the result and the Job as created.
    static func run(message: String?, jobFailure: String? = nil, withTemplate: Bool = true) async throws -> (CanaryResult?, JSONValue?, Bool, ClusterError?) {
        try await KubeTestServer.with { server in
            await server.state.setControllers(.init(readyAfter: nil))
            let helm = try HelmStandIn(server: server)
            let target = testTarget()
            let base = StoreChartLayout().fullname(target.release)
            let jobName = "\(base)-canary-c0ffee"
            return try await server.withCluster(helm: helm) { cluster in
                _ = try await cluster.run(.namespace, for: target)
                if withTemplate { await server.state.create("cronjobs", target.namespace, cronJob("\(base)-canary")) }
                async let outcome: (CanaryResult?, ClusterError?) = {
                    do { return (try await cluster.canary("c0ffee", for: target), nil) } catch let error as ClusterError { return (nil, error) }
                }()
                guard withTemplate else {
                    let (result, error) = try await outcome
                    return (result, nil, false, error)
                }
                var job: JSONValue?
                while job == nil {
                    job = await server.state.get("jobs", target.namespace, jobName)
                    if job == nil { try await Task.sleep(for: .milliseconds(20)) }
                }
                // What the Job controller and the kubelet would do: the pod labelled with its
                // Job's name, the canary container's result in its termination message.
                _ = await server.state.update("pods", target.namespace, "\(jobName)-0") { pod in
                    var labels = pod[path: "metadata", "labels"]?.object ?? [:]
                    labels["batch.kubernetes.io/job-name"] = .string(jobName)
                    pod.set("metadata", "labels", to: .object(labels))
                    pod.set("status", "phase", to: jobFailure == nil ? "Succeeded" : "Failed")
                    if let message {
                        pod.set("status", "containerStatuses", to: [
                            ["name": "canary", "state": ["terminated": ["exitCode": jobFailure == nil ? 0 : 1, "message": .string(message)]]],
                        ])
                    }
                }
                await server.state.settle("jobs", target.namespace, jobName, jobFailure: jobFailure)
                let (result, error) = try await outcome
                let deleted = await server.state.get("jobs", target.namespace, jobName) == nil
                return (result, job, deleted, error)
            }
        }
    }

    @Test func aPassingCanaryIsReadFromItsContainerAndItsJobRemoved() async throws {
        let (result, job, deleted, error) = try await Self.run(
            message: #"{"canary":"c0ffee","outcome":"passed","latencyMs":412,"steps":[],"order":1017,"product":42,"leftovers":0}"#)
        #expect(error == nil)
        #expect(result == CanaryResult(passed: true, latencyMs: 412))
        #expect(deleted, "the Job is deleted once its result is read")
        let created = try #require(job)
        for key in ["initContainers", "containers"] {
            for container in created[path: "spec", "template", "spec", key]?.array ?? [] {
                let env = container["env"]?.array ?? []
                #expect(env.filter { $0["name"]?.string == "URUMI_CANARY_ID" }.map { $0["value"]?.string } == ["c0ffee"], "\(key)")
            }
        }
        #expect(created[path: "metadata", "labels", "urumi.io/canary"]?.string == "c0ffee")
        #expect(created[path: "spec", "backoffLimit"] == 0)
        try await KubernetesSchemaValidator.validate(created, kind: "Job")
    }

    @Test func aFailedCanaryNamesItsStepAndAJobWithoutAResultFailsAtJob() async throws {
        let (failed, _, _, _) = try await Self.run(
            message: #"{"canary":"c0ffee","outcome":"failed","latencyMs":90,"failedStep":"checkout","reason":"HTTP 500"}"#,
            jobFailure: "Job has reached the specified backoff limit")
        #expect(failed == CanaryResult(passed: false, latencyMs: 90, failedStep: "checkout", reason: "HTTP 500"))
        let (silent, _, _, _) = try await Self.run(message: nil, jobFailure: "Job was active longer than specified deadline")
        #expect(silent?.passed == false)
        #expect(silent?.failedStep == "job")
        #expect(silent?.reason?.contains("longer than specified deadline") == true)
    }

    @Test func aStoreWithoutTheCanaryTemplateIsAPermanentError() async throws {
        let (result, _, _, error) = try await Self.run(message: nil, withTemplate: false)
        #expect(result == nil)
        #expect(error?.kind == .permanent)
        #expect(error?.message.contains("canary.enabled") == true)
    }
}
