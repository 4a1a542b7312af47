import Cluster
import Foundation
import Testing

/// Backups and restores through `urumi serve --cluster kubernetes` against the Kubernetes API
/// test server: each backup, restore and deletion is a Job copied from the chart's suspended
/// backup CronJob with the URUMI_* variables, watched to its end, its result read from the
/// pod's termination message. The test plays the Job's scripts: it answers from the env the
/// Job was given.
@Suite(.serialized, .timeLimit(.minutes(3))) struct KubernetesBackupTests {
    /// Chart values that turn backups on.
    static func backupValues() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-backup-values-\(UUID()).yaml").path
        try "backup:\n  enabled: true\n  s3:\n    bucket: shop-backups\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The suspended CronJob the chart renders with `backup.enabled` (its Job template).
    static func cronJob(_ release: String) -> JSONValue {
        let env: JSONValue = [["name": "URUMI_BACKUP_MODE", "value": "backup"], ["name": "URUMI_BACKUP_ID", "value": "unset"]]
        return [
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": ["name": .string("\(release)-backup"), "labels": ["app.kubernetes.io/instance": .string(release)]],
            "spec": [
                "suspend": true, "schedule": "0 0 31 2 *",
                "jobTemplate": [
                    "metadata": ["labels": ["app.kubernetes.io/component": "backup"]],
                    "spec": [
                        "backoffLimit": 0,
                        "template": [
                            "metadata": ["labels": ["app.kubernetes.io/component": "backup"]],
                            "spec": [
                                "restartPolicy": "Never",
                                "initContainers": [["name": "dump", "image": "wordpress:cli", "env": env]],
                                "containers": [["name": "upload", "image": "amazon/aws-cli", "env": env]],
                            ],
                        ],
                    ],
                ],
            ],
        ]
    }

    /// The scripts' answer, from the Job's env: a manifest for a backup, a line for the rest.
    static func result(_ job: JSONValue) -> String? {
        var env: [String: String] = [:]
        for item in job[path: "spec", "template", "spec", "containers"]?.array?.last?["env"]?.array ?? [] {
            if let name = item["name"]?.string { env[name] = item["value"]?.string ?? "" }
        }
        let id = env["URUMI_BACKUP_ID"] ?? "?"
        switch env["URUMI_BACKUP_MODE"] {
        case "backup":
            let store = env["URUMI_BACKUP_STORE"] ?? "?"
            return #"{"format":1,"backup":"\#(id)","store":"\#(store)","createdAt":"2026-12-06T09:00:00Z","wordpressVersion":"\#(env["URUMI_WORDPRESS_VERSION"] ?? "")","woocommerceVersion":"\#(env["URUMI_WOOCOMMERCE_VERSION"] ?? "")","chartRevision":"2","files":[{"name":"database.sql.gz","bytes":1234,"sha256":"\#(String(repeating: "ab", count: 32))"},{"name":"wp-content.tar.gz","bytes":4321,"sha256":"\#(String(repeating: "cd", count: 32))"}],"totalBytes":5555,"target":"s3://shop-backups/urumi/\#(store)/\#(id)/"}"#
        case "restore": return #"{"restored":"\#(id)","scrubbed":\#(env["URUMI_SCRUB"] ?? "false"),"rewritten":false}"#
        case "delete": return #"{"deleted":"\#(id)","objects":3}"#
        default: return nil
        }
    }

    static func jobs(_ server: KubeTestServer, in namespace: String) async -> [String] {
        await server.state.objects.keys.filter { $0.resource == "jobs" && $0.namespace == namespace }.map(\.name).sorted()
    }

    @Test func aBackupAndARestoreRunTheChartsJobTemplate() async throws {
        try await KubeTestServer.with { server in
            let helm = try HelmStandIn(server: server)
            await server.state.setJobResult { Self.result($0) }
            try await ClusterTestDatabase.with { database in
                let urumi = try await UrumiServe(
                    KubernetesSagaTests.serveArguments(
                        database: database, kubeconfig: try KubernetesSagaTests.kubeconfig(for: server), helm: helm)
                        + ["--chart-values", try Self.backupValues()])
                let created = try await urumi.request(
                    "POST", "/stores", json: ["name": "Backed", "domain": "backed.example.com", "adminEmail": "a@example.com", "plan": "small"])
                let id = try #require(created["id"] as? String)
                let ready = try await urumi.waitForStore(id, in: ["ready", "failed"])
                #expect(ready["status"] as? String == "ready", "\(ready)\n\(urumi.log.suffix(2000))")
                let namespace = "store-\(id)"
                let release = "store-\(id.prefix(8))"
                let setupJobs = await Self.jobs(server, in: namespace)
                await server.state.create("cronjobs", namespace, Self.cronJob(release))

                let backup = try await urumi.request("POST", "/stores/\(id)/backups")
                let operation = try KubernetesOperationTests.operationID(backup)
                #expect(try await KubernetesOperationTests.finished(urumi, id, operation)["outcome"] as? String == "succeeded")
                let listed = try await urumi.request("GET", "/stores/\(id)/backups")
                let item = try #require((listed["items"] as? [[String: Any]])?.first)
                let backupID = try #require(item["id"] as? String)
                #expect(item["status"] as? String == "completed")
                #expect((item["manifest"] as? [String: Any])?["totalBytes"] as? Int == 5555)
                #expect((item["manifest"] as? [String: Any])?["target"] as? String == "s3://shop-backups/urumi/\(id)/\(backupID)/")
                // The Job was the template with the backup's variables on every container, and
                // it is gone once its result was read.
                let posted = await server.state.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/jobs") }
                let job = try #require(posted.last.flatMap { try? JSONValue.parse(Data($0.body.utf8)) })
                #expect(job[path: "metadata", "name"]?.string == "urumi-backup-\(backupID)")
                for container in (job[path: "spec", "template", "spec", "initContainers"]?.array ?? [])
                    + (job[path: "spec", "template", "spec", "containers"]?.array ?? [])
                {
                    let env = Dictionary(
                        (container["env"]?.array ?? []).compactMap { item in item["name"]?.string.map { ($0, item["value"]?.string ?? "") } },
                        uniquingKeysWith: { _, last in last })
                    #expect(env["URUMI_BACKUP_MODE"] == "backup")
                    #expect(env["URUMI_BACKUP_ID"] == backupID, "the template's default is replaced, not doubled")
                    #expect(env["URUMI_BACKUP_STORE"] == id)
                    #expect((container["env"]?.array ?? []).filter { $0["name"]?.string == "URUMI_BACKUP_ID" }.count == 1)
                }
                #expect(job[path: "spec", "backoffLimit"]?.int == 0, "the rest of the template is kept")
                #expect(await Self.jobs(server, in: namespace) == setupJobs, "the backup Job was removed after it was read")

                // Restore: a safety backup, the shop quiesced (suspended values), the restore
                // Job, the release back up.
                let restore = try await urumi.request("POST", "/stores/\(id)/restore", json: ["backup": backupID])
                let restored = try await KubernetesOperationTests.finished(urumi, id, try KubernetesOperationTests.operationID(restore))
                #expect(restored["outcome"] as? String == "succeeded", "\(restored)\n\(urumi.log.suffix(3000))")
                let modes = await server.state.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/jobs") }.compactMap {
                    try? JSONValue.parse(Data($0.body.utf8))[path: "metadata", "labels", "urumi.io/backup-mode"]?.string
                }
                #expect(modes == ["backup", "backup", "restore"])
                let store = try await urumi.request("GET", "/stores/\(id)")
                #expect(store["status"] as? String == "ready")
                #expect(helm.lastValues()?.text.contains("suspended: false") == true, "the release runs unsuspended again")
                let reasons = (store["backups"] as? [[String: Any]])?.compactMap { $0["reason"] as? String }
                #expect(reasons == ["manual", "safety"])
            }
        }
    }

    @Test func aFailedRestoreJobPutsTheSafetyBackupBack() async throws {
        try await KubeTestServer.with { server in
            let helm = try HelmStandIn(server: server)
            await server.state.setJobResult { Self.result($0) }
            try await ClusterTestDatabase.with { database in
                let urumi = try await UrumiServe(
                    KubernetesSagaTests.serveArguments(
                        database: database, kubeconfig: try KubernetesSagaTests.kubeconfig(for: server), helm: helm)
                        + ["--chart-values", try Self.backupValues(), "--retry-max-attempts", "1"])
                let created = try await urumi.request(
                    "POST", "/stores", json: ["name": "Undo", "domain": "undo.example.com", "adminEmail": "a@example.com", "plan": "small"])
                let id = try #require(created["id"] as? String)
                _ = try await urumi.waitForStore(id, in: ["ready"])
                await server.state.create("cronjobs", "store-\(id)", Self.cronJob("store-\(id.prefix(8))"))
                let backup = try await urumi.request("POST", "/stores/\(id)/backups")
                _ = try await KubernetesOperationTests.finished(urumi, id, try KubernetesOperationTests.operationID(backup))
                let backupID = try #require(
                    ((try await urumi.request("GET", "/stores/\(id)/backups"))["items"] as? [[String: Any]])?.first?["id"] as? String)

                // The first restore Job fails (a checksum mismatch); the safety backup's restore works.
                await server.state.setJobResult { job in
                    let name = job[path: "metadata", "name"]?.string ?? ""
                    return name.hasPrefix("urumi-restore-\(backupID)") ? nil : Self.result(job)
                }
                await server.state.setJobFailure(forJobsNamed: "urumi-restore-\(backupID)", "database.sql.gz does not match its manifest")
                let restore = try await urumi.request("POST", "/stores/\(id)/restore", json: ["backup": backupID])
                let record = try await KubernetesOperationTests.finished(urumi, id, try KubernetesOperationTests.operationID(restore))
                #expect(record["outcome"] as? String == "rolled-back", "\(record)\n\(urumi.log.suffix(3000))")
                #expect((record["reason"] as? String)?.contains("does not match its manifest") == true, "\(record)")
                let store = try await urumi.request("GET", "/stores/\(id)")
                #expect(store["status"] as? String == "ready")
                // `helm rollback` to the revision before the restore: WordPress runs again.
                let wordpress = await server.state.get("deployments", "store-\(id)", "store-\(id.prefix(8))-wordpress")
                #expect(wordpress?[path: "spec", "replicas"]?.int == 1, "\(String(describing: wordpress))")
                let restoreJobs = await server.state.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/jobs") }.compactMap {
                    try? JSONValue.parse(Data($0.body.utf8))[path: "metadata", "name"]?.string
                }.filter { $0.hasPrefix("urumi-restore-") }
                let safety = try #require((store["backups"] as? [[String: Any]])?.first { $0["reason"] as? String == "safety" }?["id"] as? String)
                #expect(restoreJobs == ["urumi-restore-\(backupID)", "urumi-restore-\(safety)"])
            }
        }
    }

    @Test func withoutBackupsInTheChartValuesBackupsAreRefusedAndDeletionTakesNone() async throws {
        try await KubeTestServer.with { server in
            let helm = try HelmStandIn(server: server)
            try await ClusterTestDatabase.with { database in
                let urumi = try await UrumiServe(
                    KubernetesSagaTests.serveArguments(
                        database: database, kubeconfig: try KubernetesSagaTests.kubeconfig(for: server), helm: helm))
                let created = try await urumi.request(
                    "POST", "/stores", json: ["name": "Plain", "domain": "plain.example.com", "adminEmail": "a@example.com", "plan": "small"])
                let id = try #require(created["id"] as? String)
                _ = try await urumi.waitForStore(id, in: ["ready"])
                let refused = try await urumi.request("POST", "/stores/\(id)/backups")
                #expect(refused["status"] as? Int == 409, "\(refused)")
                #expect((refused["detail"] as? String)?.contains("backup.enabled") == true)
                let deleting = try await urumi.request("DELETE", "/stores/\(id)")
                #expect(deleting["status"] as? String == "deleting", "no final backup without backups: \(deleting)")
            }
        }
    }
}
