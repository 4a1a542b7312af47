import Cluster
import Foundation
import Testing

/// Drift through `urumi serve --cluster kubernetes` against the Kubernetes API test server:
/// the drift check reads the release with `helm history` and `helm get values` (the stand-in
/// keeps each revision's values) and the chart's objects through the API; the correction is
/// the `reconcile` operation's `helm upgrade`, which applies the objects again.
@Suite(.serialized, .timeLimit(.minutes(3))) struct KubernetesDriftTests {
    /// Waits until the store's drift found by `check` is `state`.
    static func drift(_ urumi: UrumiServe, _ id: String, _ check: [String: Any], is state: String) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(45)
        var store: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            store = try await urumi.request("GET", "/stores/\(id)")
            let drift = store["drift"] as? [String: Any]
            if drift?["check"] as? String == check["check"] as? String, drift?["state"] as? String == state { return store }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the drift \(check["check"] ?? "?") of \(id) did not become \(state): \(store)\n\(urumi.log.suffix(3000))")
        return store
    }

    static func names(_ check: [String: Any]) -> [String] {
        (check["differences"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    /// Someone runs `helm upgrade` by hand with one value changed (the stand-in applies it).
    static func upgradeByHand(_ helm: HelmStandIn, release: String, namespace: String, replacing old: String, with new: String) throws {
        let values = try #require(helm.lastValues()?.text).replacingOccurrences(of: old, with: new)
        let file = helm.directory + "/by-hand.yaml"
        try values.write(toFile: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: helm.executable)
        process.arguments = ["upgrade", "--install", release, "/charts/store", "--namespace", namespace, "--values", file]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// `urumi serve --cluster kubernetes --drift-interval 0` plus `extra`, and a store of that
    /// name made ready on it: the server, the store's id, namespace and release.
    static func serveWithAReadyStore(
        _ server: KubeTestServer, _ helm: HelmStandIn, database: String, name: String, extra: [String] = []
    ) async throws -> (urumi: UrumiServe, id: String, namespace: String, release: String) {
        let urumi = try await UrumiServe(
            KubernetesSagaTests.serveArguments(database: database, kubeconfig: try KubernetesSagaTests.kubeconfig(for: server), helm: helm)
                + ["--drift-interval", "0"] + extra)
        let domain = "\(name.lowercased()).example.com"
        let created = try await urumi.request(
            "POST", "/stores", json: ["name": name, "domain": domain, "adminEmail": "a@example.com", "plan": "small"])
        let id = try #require(created["id"] as? String)
        let ready = try await urumi.waitForStore(id, in: ["ready", "failed"])
        #expect(ready["status"] as? String == "ready", "\(ready)\n\(urumi.log.suffix(2000))")
        return (urumi, id, "store-\(id)", "store-\(id.prefix(8))")
    }

    @Test func aDeletedDeploymentAndAChangedValueAreFoundAndCorrected() async throws {
        try await KubeTestServer.with { server in
            let helm = try HelmStandIn(server: server)
            try await ClusterTestDatabase.with { database in
                let (urumi, id, namespace, release) = try await Self.serveWithAReadyStore(
                    server, helm, database: database, name: "Drifting")

                // What Urumi deployed reads back as what the log says: no drift.
                let clean = try await urumi.request("POST", "/stores/\(id)/drift-checks")
                #expect(clean["drifted"] as? Bool == false, "\(clean)\n\(urumi.log.suffix(2000))")
                #expect(clean["recorded"] as? Bool == false)

                // A Deployment deleted: found, and the reconcile's upgrade brings it back.
                await server.state.remove("deployments", namespace, "\(release)-wordpress")
                let deleted = try await urumi.request("POST", "/stores/\(id)/drift-checks")
                #expect(Self.names(deleted) == ["Deployment/\(release)-wordpress"], "\(deleted)")
                #expect(deleted["action"] as? String == "corrected")
                var store = try await Self.drift(urumi, id, deleted, is: "corrected")
                #expect(store["status"] as? String == "ready")
                #expect(store["helmRevision"] as? Int == 2)
                #expect(await server.state.get("deployments", namespace, "\(release)-wordpress") != nil, "the Deployment is back")
                let upgrades = helm.calls().filter { $0.first == "upgrade" }
                #expect(upgrades.count == 2, "created, then re-applied: \(upgrades)")

                // A value changed by hand (a new revision): found by revision and value, put back.
                try Self.upgradeByHand(helm, release: release, namespace: namespace, replacing: "plan: small", with: "plan: large")
                let changed = try await urumi.request("POST", "/stores/\(id)/drift-checks")
                #expect(Self.names(changed) == ["revision", "plan"], "\(changed)")
                let plan = (changed["differences"] as? [[String: Any]])?.last
                #expect(plan?["expected"] as? String == "small")
                #expect(plan?["actual"] as? String == "large")
                store = try await Self.drift(urumi, id, changed, is: "corrected")
                #expect(store["helmRevision"] as? Int == 4)
                #expect(helm.lastValues()?.text.contains("plan: small") == true)
                let after = try await urumi.request("POST", "/stores/\(id)/drift-checks")
                #expect(after["drifted"] as? Bool == false, "\(after)")

                // A cluster that cannot be read records nothing, even with a Deployment gone.
                await server.state.remove("deployments", namespace, "\(release)-wordpress")
                await server.state.inject(503, method: "GET", pathPrefix: "/apis/apps/v1/namespaces/\(namespace)/statefulsets", times: 1)
                let unreadable = try await urumi.request("POST", "/stores/\(id)/drift-checks")
                #expect(unreadable["status"] as? Int == 503, "\(unreadable)")

                // The findings are in the log for audit; the unreadable check is not.
                let events = try await urumi.request("GET", "/stores/\(id)/events?limit=1000")
                let types = (events["items"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
                #expect(types.filter { $0 == "store.drift-detected.v1" }.count == 2)
                store = try await urumi.request("GET", "/stores/\(id)")
                #expect((store["drift"] as? [String: Any])?["state"] as? String == "corrected")
                await urumi.stop()
            }
        }
    }

    /// The platform's values with the Ingress and the canary's CronJob on, and backups to a
    /// volume: the chart then renders both CronJobs, the Ingress and the backups claim too.
    static func platformValues() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-drift-values-\(UUID()).yaml").path
        try "ingress:\n  enabled: true\nbackup:\n  enabled: true\ncanary:\n  enabled: true\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aDeletedServiceAndAClaimAreFoundAndBroughtBack() async throws {
        try await KubeTestServer.with { server in
            let helm = try HelmStandIn(server: server)
            try await ClusterTestDatabase.with { database in
                let (urumi, id, namespace, release) = try await Self.serveWithAReadyStore(
                    server, helm, database: database, name: "Leaky", extra: ["--chart-values", try Self.platformValues()])

                // Every object the chart renders for these values is read, and all are there.
                let clean = try await urumi.request("POST", "/stores/\(id)/drift-checks")
                #expect(clean["drifted"] as? Bool == false, "\(clean)\n\(urumi.log.suffix(2000))")
                let read = Set(await server.state.requests.filter { $0.method == "GET" && $0.path.contains("/namespaces/\(namespace)/") }.map(\.path))
                for path in [
                    "/api/v1/namespaces/\(namespace)/services/\(release)-mysql",
                    "/api/v1/namespaces/\(namespace)/services/\(release)-wordpress",
                    "/api/v1/namespaces/\(namespace)/persistentvolumeclaims/data-\(release)-mysql-0",
                    "/api/v1/namespaces/\(namespace)/persistentvolumeclaims/\(release)-wordpress",
                    "/api/v1/namespaces/\(namespace)/persistentvolumeclaims/\(release)-backups",
                    "/apis/networking.k8s.io/v1/namespaces/\(namespace)/ingresses/\(release)",
                    "/apis/batch/v1/namespaces/\(namespace)/cronjobs/\(release)-backup",
                    "/apis/batch/v1/namespaces/\(namespace)/cronjobs/\(release)-canary",
                ] {
                    #expect(read.contains(path), "not read: \(path)")
                }

                // A Service and a volume claim deleted: both found, and the upgrade brings them back.
                await server.state.remove("services", namespace, "\(release)-wordpress")
                await server.state.remove("persistentvolumeclaims", namespace, "data-\(release)-mysql-0")
                let deleted = try await urumi.request("POST", "/stores/\(id)/drift-checks")
                #expect(
                    Self.names(deleted) == ["PersistentVolumeClaim/data-\(release)-mysql-0", "Service/\(release)-wordpress"],
                    "\(deleted)")
                #expect(deleted["action"] as? String == "corrected")
                let store = try await Self.drift(urumi, id, deleted, is: "corrected")
                #expect(store["status"] as? String == "ready")
                #expect(await server.state.get("services", namespace, "\(release)-wordpress") != nil, "the Service is back")
                #expect(await server.state.get("persistentvolumeclaims", namespace, "data-\(release)-mysql-0") != nil, "the claim is back")

                // The canary's CronJob and the Ingress count too.
                await server.state.remove("cronjobs", namespace, "\(release)-canary")
                await server.state.remove("ingresses", namespace, release)
                let report = try await urumi.request("POST", "/stores/\(id)/drift-checks?action=report")
                #expect(Self.names(report) == ["CronJob/\(release)-canary", "Ingress/\(release)"], "\(report)")
                await urumi.stop()
            }
        }
    }
}
