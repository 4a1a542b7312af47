import Cluster
import Foundation
import Testing

/// The whole saga through `urumi serve --cluster kubernetes`, pointed at the Kubernetes API test
/// server by a generated kubeconfig (client certificate), with the helm stand-in creating the
/// chart's workloads through the API and the test server's controllers settling them.
@Suite(.serialized, .timeLimit(.minutes(3))) struct KubernetesSagaTests {
    static func kubeconfig(for server: KubeTestServer, port: Int? = nil) throws -> String {
        let c = server.certificates
        let text = """
            apiVersion: v1
            kind: Config
            current-context: test
            clusters:
            - name: test
              cluster:
                server: https://127.0.0.1:\(port ?? server.port)
                certificate-authority-data: \(c.base64(c.caCertificate))
            contexts:
            - name: test
              context: {cluster: test, user: urumi}
            users:
            - name: urumi
              user:
                client-certificate-data: \(c.base64(c.clientCertificate))
                client-key-data: \(c.base64(c.clientKey))
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-kubeconfig-\(UUID())").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func serveArguments(database: String, kubeconfig: String, helm: HelmStandIn) -> [String] {
        [
            "--database-url", database, "--auth", "none", "--cluster", "kubernetes", "--kubeconfig", kubeconfig, "--helm", helm.executable,
            "--chart-dir", UrumiBinary.checkout + "/helm/store", "--step-deadline", "mysql=20s", "--step-deadline", "wordpress=20s",
            "--step-deadline", "woocommerce=20s", "--retry-base-delay", "100ms", "--retry-max-delay", "500ms",
        ]
    }

    @Test func aStoreBecomesReadyOnTheKubernetesCluster() async throws {
        try await KubeTestServer.with { server in
            let helm = try HelmStandIn(server: server)
            try await ClusterTestDatabase.with { database in
                let urumi = try await UrumiServe(Self.serveArguments(database: database, kubeconfig: try Self.kubeconfig(for: server), helm: helm))
                let created = try await urumi.request("POST", "/stores", json: ["name": "Real Shop", "domain": "real.example.com", "adminEmail": "a@example.com", "plan": "small"])
                let cluster = created["cluster"] as? [String: Any]
                #expect(cluster?["kind"] as? String == "kubernetes")
                #expect(cluster?["simulated"] as? Bool == false)
                let id = try #require(created["id"] as? String)
                let store = try await urumi.waitForStore(id, in: ["ready", "failed"])
                #expect(store["status"] as? String == "ready", "\(store)\n\(urumi.log.suffix(2000))")
                let namespace = "store-\(id)"
                let release = "store-\(id.prefix(8))"
                #expect(await server.state.get("namespaces", nil, namespace)?.labels["urumi.io/store-id"] == id)
                #expect(await server.state.get("statefulsets", namespace, "\(release)-mysql") != nil)
                // The setup Job was found by its labels: its name ends in the hash of its inputs.
                let jobs = await server.state.objects.keys.filter { $0.resource == "jobs" && $0.namespace == namespace }
                #expect(jobs.count == 1 && jobs.first?.name.hasPrefix("\(release)-setup-") == true, "\(jobs)")
                let woocommerce = (store["steps"] as? [[String: Any]])?.first { $0["name"] as? String == "woocommerce" }
                #expect(woocommerce?["status"] as? String == "succeeded", "\(store)")
                // The admin login comes from the release's Secret, and its reading is audited.
                let login = try await urumi.request("GET", "/stores/\(id)/credentials")
                #expect(login["username"] as? String == "admin", "\(login)")
                let password = try #require(helm.password(of: release))
                #expect(!password.isEmpty && login["password"] as? String == password)
                // Readable once every older writing transaction on the server has ended (the
                // log's gap-free rule), which other tests' databases on it can delay a little.
                var types: [String] = []
                let deadline = ContinuousClock.now + .seconds(15)
                repeat {
                    let events = try await urumi.request("GET", "/stores/\(id)/events?limit=1000")
                    types = (events["items"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
                    if types.last == "store.credentials-viewed.v1" { break }
                    try await Task.sleep(for: .milliseconds(100))
                } while ContinuousClock.now < deadline
                #expect(types.last == "store.credentials-viewed.v1", "\(types)")
                #expect(!urumi.log.contains(password), "the password never reaches the log")
                // The API server failing for a moment is a 503 to retry, not a conflict.
                await server.state.inject(500, method: "GET", pathPrefix: "/api/v1/namespaces/\(namespace)/secrets/", times: 1)
                let unavailable = try await urumi.request("GET", "/stores/\(id)/credentials")
                #expect(unavailable["status"] as? Int == 503, "\(unavailable)")
                #expect(unavailable["password"] == nil)
                let calls = helm.calls().filter { $0.first != "version" && $0.first != "history" }
                #expect(calls.map { Array($0.prefix(3)) } == [["upgrade", "--install", release]])
                #expect(helm.calls().first == ["version", "--short"], "the startup check ran helm version")
                #expect(await server.state.requests.contains { $0.path == "/version" })
                #expect(urumi.log.contains("cluster is KUBERNETES"))
                await urumi.stop()
            }
        }
    }

    /// With k8s/rbac.yaml Urumi may do nothing inside a namespace until its RoleBinding is
    /// there: the namespace step creates it (for the identity the API server names) and waits
    /// until it applies, before helm runs.
    @Test func theNamespaceStepGrantsUrumiItsStoreRoleBeforeHelmRuns() async throws {
        try await KubeTestServer.with { server in
            await server.state.setStoreRBAC(true)
            let helm = try HelmStandIn(server: server)
            try await ClusterTestDatabase.with { database in
                let urumi = try await UrumiServe(
                    Self.serveArguments(database: database, kubeconfig: try Self.kubeconfig(for: server), helm: helm)
                        + ["--store-cluster-role", "urumi-store"])
                let created = try await urumi.request("POST", "/stores", json: ["name": "Bound Shop", "domain": "bound.example.com", "adminEmail": "a@example.com", "plan": "small"])
                let id = try #require(created["id"] as? String)
                let store = try await urumi.waitForStore(id, in: ["ready", "failed"])
                #expect(store["status"] as? String == "ready", "\(store)\n\(urumi.log.suffix(2000))")
                let binding = try #require(await server.state.get("rolebindings", "store-\(id)", "urumi"))
                #expect(binding[path: "roleRef", "name"]?.string == "urumi-store")
                #expect(binding[path: "roleRef", "kind"]?.string == "ClusterRole")
                #expect(binding["subjects"] == [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "urumi"]])
                try await KubernetesSchemaValidator.validate(binding, kind: "RoleBinding")
                let refused = await server.state.requests.filter { $0.status == 403 }
                #expect(refused.isEmpty, "\(refused.map(\.path))")
                #expect(urumi.log.contains("store namespaces bind ClusterRole urumi-store to User urumi"))
                await urumi.stop()
            }
        }
    }

    @Test func aFailedSetupJobCompensatesCleanly() async throws {
        try await KubeTestServer.with { server in
            await server.state.setControllers(.init(jobFailure: "Job has reached the specified backoff limit"))
            let helm = try HelmStandIn(server: server)
            try await ClusterTestDatabase.with { database in
                let urumi = try await UrumiServe(Self.serveArguments(database: database, kubeconfig: try Self.kubeconfig(for: server), helm: helm))
                let created = try await urumi.request("POST", "/stores", json: ["name": "Doomed Shop", "domain": "doomed.example.com", "adminEmail": "a@example.com", "plan": "small"])
                let id = try #require(created["id"] as? String)
                let store = try await urumi.waitForStore(id, in: ["failed"])
                #expect(store["status"] as? String == "failed")
                #expect(store["needsAttention"] as? Bool == false)
                let steps = store["steps"] as? [[String: Any]] ?? []
                let woocommerce = steps.first { $0["name"] as? String == "woocommerce" }
                #expect((woocommerce?["lastError"] as? String)?.contains("backoff limit") == true, "\(steps)")
                let release = "store-\(id.prefix(8))"
                let calls = helm.calls().filter { $0.first != "version" }
                #expect(calls.map { Array($0.prefix(3)) }.last == ["uninstall", release, "--namespace"])
                #expect(await server.state.get("namespaces", nil, "store-\(id)") == nil, "the namespace was deleted")
                #expect(await server.state.objects.keys.allSatisfy { $0.namespace != "store-\(id)" })
                await urumi.stop()
            }
        }
    }

    /// The API server goes away mid-provisioning (issue 15, item 6), twice: while the namespace
    /// step talks to it (the client keeps trying to connect until the step's deadline; the
    /// probe then finds the server gone), then while helm runs (helm says "Kubernetes cluster
    /// unreachable"). Each time the store waits past its retry budget and the step's deadline,
    /// undoes nothing, and is ready once the server is back.
    @Test func aStoreWaitsForAnAPIServerThatWentAwayAndIsReadyOnceItIsBack() async throws {
        try await KubeTestServer.with { server in
            let helm = try HelmStandIn(server: server)
            try await ClusterTestDatabase.with { database in
                let urumi = try await UrumiServe(
                    Self.serveArguments(database: database, kubeconfig: try Self.kubeconfig(for: server), helm: helm)
                        + ["--retry-max-attempts", "3", "--step-deadline", "namespace=2s", "--step-deadline", "helm=5s"])
                try helm.block("install")
                await server.stop()
                let created = try await urumi.request("POST", "/stores", json: ["name": "Patient Shop", "domain": "patient.example.com", "adminEmail": "a@example.com", "plan": "small"])
                let id = try #require(created["id"] as? String, "\(created)")

                func waitsOverdue(at step: String) async throws -> [String: Any] {
                    try await urumi.waitForStore(id, until: "\(step) waits for the cluster past its deadline", timeout: .seconds(90)) { store in
                        let attempts = (store["steps"] as? [[String: Any]])?.first { $0["name"] as? String == step }?["attempts"] as? Int
                        return (store["waitingForCluster"] as? [String: Any])?["overdue"] as? Bool == true && (attempts ?? 0) > 3
                    }
                }
                let first = try await waitsOverdue(at: "namespace")
                #expect(first["status"] as? String == "provisioning", "\(first)")
                #expect(first["currentStep"] as? String == "namespace")
                #expect(first["needsAttention"] as? Bool == true)
                #expect((first["lastError"] as? String)?.contains("cannot reach the Kubernetes API") == true, "\(first)")

                // Back: the namespace is made and helm starts; then the server goes away again.
                try await server.start()
                let deadline = ContinuousClock.now + .seconds(30)
                while !helm.calls().contains(where: { $0.first == "upgrade" }) && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                await server.stop()
                helm.unblock("install")
                let second = try await waitsOverdue(at: "helm")
                #expect(second["status"] as? String == "provisioning", "\(second)")
                #expect(second["currentStep"] as? String == "helm")
                #expect((second["lastError"] as? String)?.contains("cannot reach the Kubernetes API") == true, "\(second)")
                // The attempt under way when the server went away failed in helm, which said so.
                let failures = try await urumi.request("GET", "/stores/\(id)/events?limit=1000")
                let helmFailures = (failures["items"] as? [[String: Any]] ?? []).filter { $0["type"] as? String == "store.step-failed.v1" }
                    .compactMap { $0["data"] as? [String: Any] }.filter { $0["step"] as? String == "helm" }
                #expect(helmFailures.first.map { ($0["error"] as? String ?? "").contains("Kubernetes cluster unreachable") } == true, "\(helmFailures)")
                #expect(helmFailures.allSatisfy { $0["waitingForCluster"] != nil && $0["retryable"] as? Bool == true }, "\(helmFailures)")

                try await server.start()
                let store = try await urumi.waitForStore(id, in: ["ready", "failed"])
                #expect(store["status"] as? String == "ready", "\(store)\n\(urumi.log.suffix(2000))")
                #expect(store["needsAttention"] as? Bool == false)
                #expect(store["waitingForCluster"] == nil)
                let events = try await urumi.request("GET", "/stores/\(id)/events?limit=1000")
                let types = (events["items"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
                #expect(!types.contains("store.compensation-started.v1"), "\(types)")
                #expect(!helm.calls().contains { $0.first == "uninstall" })
                #expect(await server.state.get("namespaces", nil, "store-\(id)") != nil)
                await urumi.stop()
            }
        }
    }

    @Test func startupSaysWhatIsMissingAndExitsNonZero() async throws {
        try await KubeTestServer.with { server in
            let helm = try HelmStandIn(server: server)
            let database = "postgres://nobody@127.0.0.1:1/none"
            // No helm.
            var arguments = Self.serveArguments(database: database, kubeconfig: try Self.kubeconfig(for: server), helm: helm)
            arguments[arguments.firstIndex(of: helm.executable)!] = "/nonexistent/helm"
            let noHelm = try await UrumiBinary.run(["serve", "--port", "0"] + arguments)
            #expect(noHelm.status != 0)
            #expect(noHelm.stderr.contains("helm does not run"), "\(noHelm.stderr)")
            // No API server.
            let unreachable = try await UrumiBinary.run(
                ["serve", "--port", "0"] + Self.serveArguments(database: database, kubeconfig: try Self.kubeconfig(for: server, port: 1), helm: helm))
            #expect(unreachable.status != 0)
            #expect(unreachable.stderr.contains("not reachable"), "\(unreachable.stderr)")
            // No kubeconfig.
            let missing = try await UrumiBinary.run(
                ["serve", "--port", "0", "--database-url", database, "--cluster", "kubernetes", "--kubeconfig", "/nonexistent/config"])
            #expect(missing.status != 0)
            #expect(missing.stderr.contains("cannot read kubeconfig"), "\(missing.stderr)")
            // Credentials that may not create namespaces (no k8s/rbac.yaml applied).
            await server.state.setMayCreateNamespaces(false)
            let forbidden = try await UrumiBinary.run(
                ["serve", "--port", "0"] + Self.serveArguments(database: database, kubeconfig: try Self.kubeconfig(for: server), helm: helm))
            #expect(forbidden.status != 0)
            #expect(forbidden.stderr.contains("may not create namespaces"), "\(forbidden.stderr)")
            await server.state.setMayCreateNamespaces(true)
            // A platform values file that is not there.
            let noValues = try await UrumiBinary.run(
                ["serve", "--port", "0"] + Self.serveArguments(database: database, kubeconfig: try Self.kubeconfig(for: server), helm: helm)
                    + ["--chart-values", "/nonexistent/store-values.yaml"])
            #expect(noValues.status != 0)
            #expect(noValues.stderr.contains("--chart-values: cannot read /nonexistent/store-values.yaml"), "\(noValues.stderr)")
        }
    }
}
