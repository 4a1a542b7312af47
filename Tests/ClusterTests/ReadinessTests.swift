@testable import Cluster
import Foundation
import Provisioning
import Testing

/// Readiness by watch against the test server: the statuses the test drives, pods that look
/// wrong, reconnects, bookmarks and 410 Gone.
@Suite(.timeLimit(.minutes(1))) struct ReadinessTests {
    static let namespace = "store-ready"

    static func statefulSet(generation: Int = 1) -> JSONValue {
        ["apiVersion": "apps/v1", "kind": "StatefulSet",
         "metadata": ["name": "s-mysql", "labels": ["app.kubernetes.io/instance": "s"], "generation": .number(Double(generation))],
         "spec": ["replicas": 1]]
    }

    static func pod(_ name: String, component: String, waiting reason: String? = nil, restarts: Int = 0) -> JSONValue {
        var pod: JSONValue = ["apiVersion": "v1", "kind": "Pod",
                              "metadata": ["name": .string(name), "labels": ["app.kubernetes.io/instance": "s", "app.kubernetes.io/component": .string(component)]]]
        if let reason {
            pod.set("status", "containerStatuses", to: [[
                "name": "main", "image": "docker.io/library/mysql:9.9-missing", "restartCount": .number(Double(restarts)),
                "state": ["waiting": ["reason": .string(reason), "message": "something is wrong"]],
                "lastState": ["terminated": ["reason": "Error", "exitCode": 1, "message": "mysqld: cannot start"]],
            ]])
        }
        return pod
    }

    static func workload(_ kind: Workload.Kind, _ name: String, component: String) -> Workload {
        Workload(kind: kind, name: name, namespace: namespace, podSelector: "app.kubernetes.io/instance=s,app.kubernetes.io/component=\(component)")
    }

    /// The setup Job as the adapter finds it: the newest Job with the chart's setup labels.
    static let setupJob = Workload(
        kind: .job, identity: .newest(labelSelector: "app.kubernetes.io/instance=s,app.kubernetes.io/component=setup"),
        namespace: namespace, podSelector: "app.kubernetes.io/instance=s,app.kubernetes.io/component=setup")

    static func job(_ name: String, instance: String = "s") -> JSONValue {
        ["apiVersion": "batch/v1", "kind": "Job",
         "metadata": ["name": .string(name), "labels": ["app.kubernetes.io/instance": .string(instance), "app.kubernetes.io/component": "setup"]]]
    }

    /// Starts waiting, lets `drive` change the cluster, returns how the wait ended.
    static func waiting(
        _ server: KubeTestServer, for workload: Workload, settings: ReadinessSettings = ReadinessSettings(watchSeconds: 5),
        drive: @escaping @Sendable (KubeTestState) async throws -> Void
    ) async throws -> Result<[String: String], ClusterError> {
        try await server.withClient { client in
            let waiter = WorkloadWaiter(client: client, settings: settings)
            return try await withThrowingTaskGroup(of: Result<[String: String], ClusterError>?.self) { group in
                group.addTask {
                    do { return .success(try await waiter.wait(for: workload)) } catch let error as ClusterError { return .failure(error) }
                }
                group.addTask {
                    // Let the waiter list and start watching before the cluster changes.
                    try await Self.untilWatching(server.state)
                    try await drive(server.state)
                    return nil
                }
                var outcome: Result<[String: String], ClusterError>?
                while let next = try await group.next() {
                    if let next {
                        outcome = next
                        break
                    }
                }
                group.cancelAll()
                return outcome!
            }
        }
    }

    /// Returns once two watches (workload and pods) are open: no sleeping on a guess.
    static func untilWatching(_ state: KubeTestState, count: Int = 2) async throws {
        while await state.openWatches < count { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func aStatefulSetIsReadyWhenItsReplicasAreReadyForTheLatestGeneration() async throws {
        try await KubeTestServer.with { server in
            await server.state.create("statefulsets", Self.namespace, Self.statefulSet(generation: 2))
            let outcome = try await Self.waiting(server, for: Self.workload(.statefulSet, "s-mysql", component: "mysql")) { state in
                // Ready replicas, but for the previous generation: still waiting.
                await state.update("statefulsets", Self.namespace, "s-mysql") {
                    $0.set("status", "readyReplicas", to: 1)
                    $0.set("status", "observedGeneration", to: 1)
                }
                try await Task.sleep(for: .milliseconds(100))
                await state.update("statefulsets", Self.namespace, "s-mysql") {
                    $0.set("status", "observedGeneration", to: 2)
                    $0.set("status", "updatedReplicas", to: 1)
                    $0.set("status", "currentRevision", to: "s-mysql-2")
                    $0.set("status", "updateRevision", to: "s-mysql-2")
                }
            }
            #expect(try outcome.get() == ["readyReplicas": "1", "statefulset": "s-mysql"])
            let versions = await server.state.requests.map(\.status)
            #expect(versions.allSatisfy { $0 == 200 })
        }
    }

    @Test func aDeploymentIsReadyWhenAvailableAndAJobWhenComplete() async throws {
        try await KubeTestServer.with { server in
            let deployment = try await Self.waiting(server, for: Self.workload(.deployment, "s-wordpress", component: "wordpress")) { state in
                // Created after the wait began (the watch sees it arrive).
                await state.create("deployments", Self.namespace, ["metadata": ["name": "s-wordpress"], "spec": ["replicas": 1]])
                await state.settle("deployments", Self.namespace, "s-wordpress")
            }
            #expect(try deployment.get()["deployment"] == "s-wordpress")
            let job = try await Self.waiting(server, for: Self.setupJob) { state in
                await state.create("jobs", Self.namespace, Self.job("s-setup-1a2b3c4d"))
                await state.settle("jobs", Self.namespace, "s-setup-1a2b3c4d")
            }
            #expect(try job.get()["job"] == "s-setup-1a2b3c4d")
        }
    }

    @Test func aFailedJobIsPermanentWithItsMessageAndItsPodsExit() async throws {
        try await KubeTestServer.with { server in
            await server.state.create("jobs", Self.namespace, Self.job("s-setup-1a2b3c4d"))
            let outcome = try await Self.waiting(server, for: Self.setupJob) { state in
                var pod = Self.pod("s-setup-x1", component: "setup")
                pod.set("status", "containerStatuses", to: [["name": "setup", "state": ["terminated": ["exitCode": 3, "message": "WooCommerce is not purchasable"]]]])
                await state.create("pods", Self.namespace, pod)
                await state.settle("jobs", Self.namespace, "s-setup-1a2b3c4d", jobFailure: "Job has reached the specified backoff limit")
            }
            guard case .failure(let error) = outcome else {
                Issue.record("expected a failure, got \(outcome)")
                return
            }
            #expect(error.kind == .permanent)
            #expect(error.message.contains("BackoffLimitExceeded"))
            #expect(error.message.contains("Job has reached the specified backoff limit"))
            #expect(error.message.contains("WooCommerce is not purchasable"))
            #expect(error.message.contains("Job s-setup-1a2b3c4d"), "the message names the Job it followed")
        }
    }

    /// An upgrade with other inputs makes a new setup Job (another hash in its name) and helm
    /// deletes the old one. Neither an older Job that failed, nor one being deleted, nor their
    /// pods, nor another release's Job may end the wait or be blamed.
    @Test func theNewestSetupJobIsFollowedAndOlderOnesAreIgnored() async throws {
        try await KubeTestServer.with { server in
            let state = server.state
            await state.create("jobs", Self.namespace, Self.job("s-setup-zzzzzzzz"))
            await state.settle("jobs", Self.namespace, "s-setup-zzzzzzzz", jobFailure: "an old failure")
            await state.update("jobs", Self.namespace, "s-setup-zzzzzzzz") { $0.set("metadata", "creationTimestamp", to: "2020-01-01T00:00:00Z") }
            await state.create("jobs", Self.namespace, Self.job("s-setup-yyyyyyyy"))
            await state.settle("jobs", Self.namespace, "s-setup-yyyyyyyy", jobFailure: "a failure being deleted")
            await state.update("jobs", Self.namespace, "s-setup-yyyyyyyy") {
                $0.set("metadata", "creationTimestamp", to: "2099-01-01T00:00:00Z")
                $0.set("metadata", "deletionTimestamp", to: "2099-01-01T00:00:01Z")
            }
            var oldPod = Self.pod("s-setup-zzzzzzzz-p1", component: "setup", waiting: "CrashLoopBackOff", restarts: 9)
            oldPod.set("metadata", "labels", "batch.kubernetes.io/job-name", to: "s-setup-zzzzzzzz")
            await state.create("pods", Self.namespace, oldPod)
            await state.create("jobs", Self.namespace, Self.job("other-setup-00000000", instance: "other"))
            await state.settle("jobs", Self.namespace, "other-setup-00000000", jobFailure: "another release")
            await state.create("jobs", Self.namespace, Self.job("s-setup-aaaaaaaa"))
            let settings = ReadinessSettings(crashLoopGrace: .milliseconds(100), watchSeconds: 5)
            let outcome = try await Self.waiting(server, for: Self.setupJob, settings: settings) { state in
                // Longer than the crash-loop grace of the old Job's pod.
                try await Task.sleep(for: .milliseconds(400))
                await state.settle("jobs", Self.namespace, "s-setup-aaaaaaaa")
            }
            #expect(try outcome.get()["job"] == "s-setup-aaaaaaaa")
        }
    }

    @Test func anImageThatCannotBePulledFailsForGoodAfterItsGracePeriod() async throws {
        try await KubeTestServer.with { server in
            await server.state.create("statefulsets", Self.namespace, Self.statefulSet())
            let settings = ReadinessSettings(imagePullGrace: .milliseconds(600), watchSeconds: 5)
            let started = ContinuousClock.now
            let outcome = try await Self.waiting(server, for: Self.workload(.statefulSet, "s-mysql", component: "mysql"), settings: settings) { state in
                await state.create("pods", Self.namespace, Self.pod("s-mysql-0", component: "mysql", waiting: "ErrImagePull"))
                try await Task.sleep(for: .milliseconds(100))
                await state.update("pods", Self.namespace, "s-mysql-0") {
                    $0 = Self.pod("s-mysql-0", component: "mysql", waiting: "ImagePullBackOff").setting(["metadata", "namespace"], .string(Self.namespace))
                }
            }
            guard case .failure(let error) = outcome else {
                Issue.record("expected a failure, got \(outcome)")
                return
            }
            // ErrImagePull and ImagePullBackOff count as one problem: the grace runs from the first.
            #expect(ContinuousClock.now - started >= .milliseconds(600))
            #expect(error.kind == .permanent)
            #expect(error.message.contains("docker.io/library/mysql:9.9-missing"))
            #expect(error.message.contains("ImagePullBackOff"))
        }
    }

    /// A wait that runs out says what it last saw: a pod the scheduler cannot place, with the
    /// scheduler's words, not the saga's bare "deadline passed".
    @Test func aWaitThatRunsOutSaysWhatItLastSaw() async throws {
        try await KubeTestServer.with { server in
            await server.state.create("statefulsets", Self.namespace, Self.statefulSet().setting(["status", "observedGeneration"], 1))
            var pod = Self.pod("s-mysql-0", component: "mysql")
            pod.set("status", "phase", to: "Pending")
            pod.set("status", "conditions", to: [[
                "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "message": "0/1 nodes are available: 1 Insufficient memory.",
            ]])
            await server.state.create("pods", Self.namespace, pod)
            // Long enough for the pod to be read on a loaded machine (600 ms was not always).
            let settings = ReadinessSettings(watchSeconds: 5, giveUpAfter: .seconds(2))
            let outcome = try await Self.waiting(server, for: Self.workload(.statefulSet, "s-mysql", component: "mysql"), settings: settings) { _ in }
            guard case .failure(let error) = outcome else {
                Issue.record("expected a failure, got \(outcome)")
                return
            }
            #expect(error.kind == .permanent)
            #expect(error.message.contains("StatefulSet s-mysql not ready after"), "\(error.message)")
            #expect(error.message.contains("0 of 1 replicas ready"), "\(error.message)")
            #expect(error.message.contains("pod s-mysql-0 Unschedulable: 0/1 nodes are available: 1 Insufficient memory."), "\(error.message)")
        }
    }

    @Test func aCrashLoopIsReportedAsTransientWithTheLastExit() async throws {
        try await KubeTestServer.with { server in
            await server.state.create("statefulsets", Self.namespace, Self.statefulSet())
            let settings = ReadinessSettings(crashLoopGrace: .milliseconds(200), watchSeconds: 5)
            let outcome = try await Self.waiting(server, for: Self.workload(.statefulSet, "s-mysql", component: "mysql"), settings: settings) { state in
                await state.create("pods", Self.namespace, Self.pod("s-mysql-0", component: "mysql", waiting: "CrashLoopBackOff", restarts: 4))
            }
            guard case .failure(let error) = outcome else {
                Issue.record("expected a failure, got \(outcome)")
                return
            }
            #expect(error.kind == .transient)
            #expect(error.message.contains("CrashLoopBackOff"))
            #expect(error.message.contains("mysqld: cannot start"))
        }
    }

    @Test func theWatchReconnectsWhenTheServerEndsItAndRelistsAfterGone() async throws {
        for goneAsHTTPStatus in [false, true] {
            try await KubeTestServer.with { server in
                await server.state.setMaxWatch(.milliseconds(300))
                await server.state.setGoneAsHTTPStatus(goneAsHTTPStatus)
                await server.state.create("statefulsets", Self.namespace, Self.statefulSet())
                let outcome = try await Self.waiting(server, for: Self.workload(.statefulSet, "s-mysql", component: "mysql")) { state in
                    // Outlive a few server-side watch ends (waited for, not slept: on a loaded
                    // machine 800 ms did not always hold three), then lose the history.
                    let deadline = ContinuousClock.now + .seconds(20)
                    while await state.requests.filter({ $0.path.hasSuffix("/statefulsets") && $0.query["watch"] == "1" }).count < 3,
                        ContinuousClock.now < deadline
                    {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    await state.update("statefulsets", Self.namespace, "s-mysql") { $0.set("status", "replicas", to: 1) }
                    await state.compactAndDropWatches()
                    // Changes made while the client relists are not lost.
                    await state.settle("statefulsets", Self.namespace, "s-mysql")
                }
                #expect(try outcome.get()["statefulset"] == "s-mysql")
                let requests = await server.state.requests.filter { $0.path.hasSuffix("/statefulsets") }
                let lists = requests.filter { $0.query["watch"] == nil }
                let watches = requests.filter { $0.query["watch"] == "1" }
                #expect(lists.count >= 2, "relisted after 410")
                #expect(watches.count >= 3, "reconnected after the server ended the watch")
                #expect(watches.allSatisfy { $0.query["resourceVersion"].map { !$0.isEmpty } == true })
                // Bookmarks moved the resourceVersion on between reconnects.
                let versions = watches.compactMap { $0.query["resourceVersion"].flatMap(Int.init) }
                #expect(Set(versions).count >= 2)
            }
        }
    }

    @Test func aFailedJobIsExplainedByTheSetupContainerOfItsNewestPod() {
        func failedPod(_ name: String, created: String, _ containers: [(String, Int, String)]) -> JSONValue {
            ["metadata": ["name": .string(name), "creationTimestamp": .string(created)],
             "status": ["containerStatuses": .array(containers.map { container in
                 ["name": .string(container.0), "state": ["terminated": ["exitCode": .number(Double(container.1)), "message": .string(container.2)]]]
             })]]
        }
        let pods = [
            // Listed by name: the older attempt sorts last, but it is not the newest.
            failedPod("s-setup-b-zzz", created: "2026-01-01T10:00:00Z", [("setup", 1, "first attempt: MySQL not reachable")]),
            failedPod("s-setup-b-aaa", created: "2026-01-01T10:05:00Z", [("helper", 2, "helper died"), ("setup", 3, "WooCommerce is not purchasable")]),
        ]
        let text = PodProblem.lastFailure(in: pods)
        #expect(text == "pod s-setup-b-aaa container setup exited 3: WooCommerce is not purchasable")
    }

    @Test func readinessRulesArePureFunctionsOfTheObject() {
        #expect(WorkloadReadiness.statefulSet(nil) == .waiting("it does not exist yet"))
        let sts: JSONValue = ["metadata": ["generation": 3], "spec": ["replicas": 2], "status": [
            "readyReplicas": 2, "observedGeneration": 3, "updatedReplicas": 2, "currentRevision": "r2", "updateRevision": "r2"]]
        #expect(WorkloadReadiness.statefulSet(sts) == .ready(["readyReplicas": "2"]))
        #expect(WorkloadReadiness.statefulSet(sts.setting(["status", "readyReplicas"], 1)) == .waiting("1 of 2 replicas ready"))
        // After an upgrade: the ready pods are still the old revision's.
        let upgrading = sts.setting(["status", "updateRevision"], "r3").setting(["status", "updatedReplicas"], 0)
        #expect(WorkloadReadiness.statefulSet(upgrading) == .waiting("rolling out the latest revision (0 of 2 replicas updated)"))
        #expect(WorkloadReadiness.statefulSet(sts.setting(["status", "currentRevision"], "r1")) != .ready(["readyReplicas": "2"]))
        let deployment: JSONValue = ["metadata": ["generation": 1], "spec": ["replicas": 1], "status": [
            "observedGeneration": 1, "availableReplicas": 1, "updatedReplicas": 1, "conditions": [["type": "Available", "status": "True"]]]]
        #expect(WorkloadReadiness.deployment(deployment) == .ready(["availableReplicas": "1"]))
        // Recreate strategy mid-upgrade: Available may still be true from the old replica set.
        #expect(WorkloadReadiness.deployment(deployment.setting(["status", "updatedReplicas"], 0))
            == .waiting("rolling out the latest revision (0 of 1 updated, 1 available)"))
        let stuck: JSONValue = ["metadata": ["generation": 1], "status": ["observedGeneration": 1, "conditions": [
            ["type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "too slow"]]]]
        #expect(WorkloadReadiness.deployment(stuck) == .failed("progress deadline exceeded: too slow"))
        let stale: JSONValue = ["metadata": ["generation": 2], "status": ["observedGeneration": 1, "conditions": [["type": "Available", "status": "True"]]]]
        #expect(WorkloadReadiness.deployment(stale) == .waiting("its controller has not seen the latest spec yet"))
    }
}
