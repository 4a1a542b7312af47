import Cluster
import Foundation
import Testing

/// Day-two operations through `urumi serve --cluster kubernetes` against the Kubernetes API
/// test server: the helm stand-in applies each revision's values through the API (replacing
/// what exists, as helm does), and the test server's controllers settle the new generation.
@Suite(.serialized, .timeLimit(.minutes(3))) struct KubernetesOperationTests {
    /// Waits until the store's history has `operation`, and returns its record.
    static func finished(_ urumi: UrumiServe, _ id: String, _ operation: String) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(45)
        var store: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            store = try await urumi.request("GET", "/stores/\(id)")
            if let record = (store["operations"] as? [[String: Any]])?.first(where: { $0["id"] as? String == operation }) {
                return record
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("operation \(operation) did not finish: \(store)\n\(urumi.log.suffix(3000))")
        return [:]
    }

    static func operationID(_ answer: [String: Any]) throws -> String {
        try #require((answer["operation"] as? [String: Any])?["id"] as? String, "\(answer)")
    }

    @Test func resizeSuspendResumeAndAFailedUpgradeRolledBack() async throws {
        try await KubeTestServer.with { server in
            let helm = try HelmStandIn(server: server)
            try await ClusterTestDatabase.with { database in
                let urumi = try await UrumiServe(
                    KubernetesSagaTests.serveArguments(
                        database: database, kubeconfig: try KubernetesSagaTests.kubeconfig(for: server), helm: helm))
                let created = try await urumi.request(
                    "POST", "/stores",
                    json: ["name": "Day Two", "domain": "daytwo.example.com", "adminEmail": "a@example.com", "plan": "small"])
                let id = try #require(created["id"] as? String)
                let ready = try await urumi.waitForStore(id, in: ["ready", "failed"])
                #expect(ready["status"] as? String == "ready", "\(ready)\n\(urumi.log.suffix(2000))")
                #expect(ready["helmRevision"] as? Int == 1)
                let namespace = "store-\(id)"
                let release = "store-\(id.prefix(8))"

                // Resize: a new revision with the medium plan, the workloads settled again.
                let resize = try await urumi.request("PATCH", "/stores/\(id)", json: ["plan": "medium", "plugins": ["akismet"]])
                let resized = try await Self.finished(urumi, id, try Self.operationID(resize))
                #expect(resized["outcome"] as? String == "succeeded", "\(resized)\n\(urumi.log.suffix(2000))")
                var store = try await urumi.request("GET", "/stores/\(id)")
                #expect(store["plan"] as? String == "medium")
                #expect(store["helmRevision"] as? Int == 2)
                let values = try #require(helm.lastValues()?.text)
                #expect(values.contains("plan: medium"), "\(values)")
                #expect(values.contains("slug: akismet"), "\(values)")
                #expect(values.contains("suspended: false"), "\(values)")
                let jobs = await server.state.objects.keys.filter { $0.resource == "jobs" && $0.namespace == namespace }
                #expect(jobs.count == 1, "the new values made a new setup Job, and the old one went: \(jobs)")

                // Suspend: MySQL and WordPress at zero replicas, the maintenance page up.
                let suspend = try await urumi.request("POST", "/stores/\(id)/suspend")
                #expect(try await Self.finished(urumi, id, try Self.operationID(suspend))["outcome"] as? String == "succeeded")
                store = try await urumi.request("GET", "/stores/\(id)")
                #expect(store["status"] as? String == "suspended", "\(store)")
                let wordpress = await server.state.get("deployments", namespace, "\(release)-wordpress")
                #expect(wordpress?[path: "spec", "replicas"]?.int == 0)
                #expect(await server.state.get("statefulsets", namespace, "\(release)-mysql")?[path: "spec", "replicas"]?.int == 0)
                #expect(await server.state.get("deployments", namespace, "\(release)-maintenance") != nil)

                // A change while suspended is refused, naming what to do.
                let refused = try await urumi.request("PATCH", "/stores/\(id)", json: ["plan": "large"])
                #expect(refused["status"] as? Int == 409, "\(refused)")

                let resume = try await urumi.request("POST", "/stores/\(id)/resume")
                #expect(try await Self.finished(urumi, id, try Self.operationID(resume))["outcome"] as? String == "succeeded")
                store = try await urumi.request("GET", "/stores/\(id)")
                #expect(store["status"] as? String == "ready")
                #expect(await server.state.get("deployments", namespace, "\(release)-maintenance") == nil)
                #expect(await server.state.get("deployments", namespace, "\(release)-wordpress")?[path: "spec", "replicas"]?.int == 1)
                let good = try #require(store["helmRevision"] as? Int)

                // An upgrade helm refuses for good: rolled back to the last good revision.
                try helm.failOnce(
                    "install",
                    stderr: "Error: UPGRADE FAILED: StatefulSet.apps \"\(release)-mysql\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas' are forbidden")
                let upgrade = try await urumi.request("PATCH", "/stores/\(id)", json: ["plan": "large"])
                let failed = try await Self.finished(urumi, id, try Self.operationID(upgrade))
                #expect(failed["outcome"] as? String == "rolled-back", "\(failed)\n\(urumi.log.suffix(2000))")
                #expect(failed["failedStep"] as? String == "apply")
                #expect((failed["reason"] as? String)?.contains("is invalid") == true, "\(failed)")
                let rollback = try #require(helm.calls().last { $0.first == "rollback" })
                #expect(Array(rollback.prefix(3)) == ["rollback", release, String(good)])
                store = try await urumi.request("GET", "/stores/\(id)")
                #expect(store["status"] as? String == "ready")
                #expect(store["plan"] as? String == "medium", "the store runs its last good config")
                #expect(store["needsAttention"] as? Bool == false)

                // The operations are in the log, in order, for audit and SSE.
                let events = try await urumi.request("GET", "/stores/\(id)/events?limit=1000")
                let types = (events["items"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
                #expect(types.filter { ["store.changed.v1", "store.suspended.v1", "store.resumed.v1", "store.change-failed.v1"].contains($0) }
                    == ["store.changed.v1", "store.suspended.v1", "store.resumed.v1", "store.change-failed.v1"])
                #expect(types.contains("store.rollback-started.v1"))
                await urumi.stop()
            }
        }
    }
}
