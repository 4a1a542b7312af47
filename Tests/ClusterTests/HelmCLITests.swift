@testable import Cluster
import Foundation
import Provisioning
import Testing

/// The Helm adapter against a `helm` stand-in: argument vectors, the values file, failures as
/// real helm prints them, and the timeout that stops helm and its children.
@Suite(.timeLimit(.minutes(1))) struct HelmCLITests {
    static func cli(_ helm: HelmStandIn, installTimeout: Duration = .seconds(20), slack: Duration = .seconds(30)) -> HelmCLI {
        HelmCLI(
            settings: HelmSettings(
                executable: helm.executable, chartDirectory: "/opt/urumi/helm/store", installTimeout: installTimeout,
                uninstallTimeout: .seconds(60), processSlack: slack, platformValuesFiles: ["/etc/urumi/ingress.yaml", "/etc/urumi/images.yaml"],
                kubeconfig: "/etc/urumi/kubeconfig", kubeContext: "prod"),
            runner: CommandRunner(killGrace: .milliseconds(500)), logger: testLogger)
    }

    @Test func installRunsUpgradeInstallWithAPrivateValuesFileThatIsRemovedAfterwards() async throws {
        let helm = try HelmStandIn()
        let target = testTarget(plan: .medium)
        let details = try await Self.cli(helm).install(target)
        // The revision the upgrade made, from `helm history` right after it.
        #expect(details == ["release": target.release, "chart": "/opt/urumi/helm/store", "plan": "medium", "revision": "1"])
        let calls = helm.calls()
        #expect(calls.map(\.first) == ["upgrade", "history"])
        let call = calls[0]
        let valuesPath = call[call.lastIndex(of: "--values")! + 1]
        // The platform's values files come first, so the store's own values win.
        #expect(
            call == [
                "upgrade", "--install", target.release, "/opt/urumi/helm/store", "--namespace", target.namespace,
                "--values", "/etc/urumi/ingress.yaml", "--values", "/etc/urumi/images.yaml", "--values", valuesPath, "--reset-values", "--history-max", "10", "--timeout", "20s",
                "--kubeconfig", "/etc/urumi/kubeconfig", "--kube-context", "prod",
            ])
        #expect(!call.contains("--wait"))
        let (text, mode) = try #require(helm.lastValues())
        #expect(mode == "600")
        #expect(!FileManager.default.fileExists(atPath: valuesPath))
        #expect(!FileManager.default.fileExists(atPath: (valuesPath as NSString).deletingLastPathComponent))
        for line in [
            "storeName: Test Shop", "domain: shop.example.com", "adminEmail: owner@example.com", "plan: medium",
            "storeId: \(target.id)", "suspended: false", "extraDomains: []", "plugins: []",
        ] {
            #expect(text.contains(line), "\(line) in \(text)")
        }
        #expect(!text.contains("wordpress:") && !text.contains("woocommerce:"), "unpinned versions keep the chart's defaults")
    }

    /// What a day-two operation changes reaches the chart as its values (names as in
    /// helm/store/values.yaml), and a rollback names the revision to return to.
    @Test func aChangedConfigBecomesTheChartsValuesAndARollbackNamesItsRevision() async throws {
        let helm = try HelmStandIn()
        let base = testTarget(plan: .medium)
        let config = StoreConfig(
            name: "Renamed", plan: .large, wordpressVersion: "7.1.0", woocommerceVersion: "11.2.0",
            plugins: [PluginSpec(slug: "akismet", version: "5.3.3"), PluginSpec(slug: "jetpack")],
            extraDomains: ["www.example.com"], suspended: true)
        let target = StoreTarget(id: base.id, spec: base.spec, config: config, rollbackRevision: 2)
        _ = try await Self.cli(helm).install(base)
        _ = try await Self.cli(helm).install(base)
        #expect(try await Self.cli(helm).install(target)["revision"] == "3")
        let text = try #require(helm.lastValues()?.text)
        for line in [
            "storeName: Renamed", "plan: large", "suspended: true", "- www.example.com", "- slug: akismet",
            "version: 5.3.3", "- slug: jetpack", "wordpress:\n  version: 7.1.0", "woocommerce:\n  version: 11.2.0",
        ] {
            #expect(text.contains(line), "\(line) in \(text)")
        }
        let details = try await Self.cli(helm).rollback(target)
        #expect(details["rolledBackTo"] == "2")
        #expect(details["revision"] == "4", "a rollback is a revision of its own")
        let rollback = try #require(helm.calls().last { $0.first == "rollback" })
        #expect(Array(rollback.prefix(5)) == ["rollback", target.release, "2", "--namespace", target.namespace])
        let missing = StoreTarget(id: base.id, spec: base.spec, config: config, rollbackRevision: 9)
        let error = await clusterError { _ = try await Self.cli(helm).rollback(missing) }
        #expect(error?.message.contains("has no 9 version") == true, "\(String(describing: error))")
    }

    @Test func uninstallTreatsAMissingReleaseAsDone() async throws {
        let helm = try HelmStandIn()
        let target = testTarget()
        try await Self.cli(helm).uninstall(target)
        try helm.fail("uninstall", stderr: "Error: uninstall: Release not loaded: \(target.release): release: not found")
        try await Self.cli(helm).uninstall(target)
        #expect(helm.calls().map { Array($0.prefix(4)) } == [
            ["uninstall", target.release, "--namespace", target.namespace],
            ["uninstall", target.release, "--namespace", target.namespace],
        ])
        try helm.fail("uninstall", stderr: "Error: uninstall: failed to delete release: Unauthorized")
        let error = await clusterError { try await Self.cli(helm).uninstall(target) }
        #expect(error?.kind == .permanent)
        #expect(error?.message.contains("Unauthorized") == true)
    }

    @Test func failuresCarryHelmsWordsRedactedAndClassified() async throws {
        let helm = try HelmStandIn()
        let target = testTarget()
        try helm.fail("install", stderr: "Error: INSTALLATION FAILED: template: store/templates/secret.yaml:3: password=hunter22 is wrong")
        let chart = await clusterError { _ = try await Self.cli(helm).install(target) }
        #expect(chart?.kind == .permanent)
        #expect(chart?.message.contains("INSTALLATION FAILED: template: store/templates/secret.yaml:3") == true)
        #expect(chart?.message.contains("hunter22") == false)
        try helm.fail("install", stderr: "Error: INSTALLATION FAILED: Kubernetes cluster unreachable: dial tcp 10.0.0.1:443: connect: connection refused")
        let network = await clusterError { _ = try await Self.cli(helm).install(target) }
        #expect(network?.kind == .transient)
        #expect(network?.message.contains("connection refused") == true)
    }

    /// A release left pending by a killed helm: once older than any helm of ours could run, a
    /// first install is uninstalled and an upgrade rolled back, then the install runs again; a
    /// young one may be another replica's helm at work and is only retried later.
    @Test func aReleaseLeftPendingByAKilledHelmIsEndedOnceNoHelmCanStillBeAtWork() async throws {
        let stuck = "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress"
        let old = "2020-01-01T10:00:00.123456789+01:00"
        for (status, ending) in [("pending-install", "uninstall"), ("pending-upgrade", "rollback")] {
            let helm = try HelmStandIn()
            try helm.failOnce("install", stderr: stuck)
            try helm.setHistory(#"[{"revision":2,"updated":"\#(old)","status":"\#(status)","chart":"store-0.1.0","app_version":"1","description":"Upgrade"}]"#)
            let target = testTarget()
            _ = try await Self.cli(helm).install(target)
            let commands = helm.calls().map { Array($0.prefix(2)) }
            #expect(
                commands == [
                    ["upgrade", "--install"], ["history", target.release], [ending, target.release], ["upgrade", "--install"],
                    ["history", target.release],
                ], "\(status)")
        }
        let helm = try HelmStandIn()
        try helm.failOnce("install", stderr: stuck)
        let recent = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-5))
        try helm.setHistory(#"[{"revision":1,"updated":"\#(recent)","status":"pending-install"}]"#)
        let error = await clusterError { _ = try await Self.cli(helm).install(testTarget()) }
        #expect(error?.kind == .transient)
        #expect(error?.message.contains("possibly another helm still at work") == true, "\(String(describing: error))")
        #expect(!helm.calls().contains { $0.first == "uninstall" || $0.first == "rollback" })
        #expect(HelmCLI.parseTime(old) == ISO8601DateFormatter().date(from: "2020-01-01T09:00:00Z"))
    }

    /// Urumi's own settings (DATABASE_URL holds the database password) never reach helm.
    @Test func helmDoesNotInheritUrumisSecrets() async throws {
        setenv("URUMI_CHILD_ENV_PROBE", "s3cret", 1)
        let helm = try HelmStandIn()
        _ = try await Self.cli(helm).version()
        let names = helm.lastEnvironmentNames()
        #expect(names.contains("PATH"), "the rest of the environment is inherited: \(names)")
        #expect(!names.contains("URUMI_CHILD_ENV_PROBE"))
        #expect(!names.contains("DATABASE_URL"))
    }

    @Test func aHangingHelmIsStoppedWithItsChildren() async throws {
        let helm = try HelmStandIn()
        try helm.hang("install")
        let started = ContinuousClock.now
        let error = await clusterError { _ = try await Self.cli(helm, installTimeout: .seconds(1), slack: .milliseconds(500)).install(testTarget()) }
        let took = ContinuousClock.now - started
        #expect(error?.kind == .transient)
        #expect(error?.message.contains("did not finish") == true)
        // Stopped near its timeout (1 s + 0.5 s slack), not after the child's 600 s; the bound
        // is loose because a loaded machine delays every step of it.
        #expect(took < .seconds(60))
        let pids = try #require(helm.hangPIDs("install"))
        #expect(!(await Self.survives(pids.helm)))
        #expect(!(await Self.survives(pids.child)), "the child that ignores SIGTERM was killed too")
    }

    @Test func cancellingTheTaskStopsHelmToo() async throws {
        let helm = try HelmStandIn()
        try helm.hang("install")
        let cli = Self.cli(helm)
        let task = Task { try await cli.install(testTarget()) }
        while helm.hangPIDs("install") == nil { try await Task.sleep(for: .milliseconds(20)) }
        let pids = try #require(helm.hangPIDs("install"))
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(!(await Self.survives(pids.helm)))
        #expect(!(await Self.survives(pids.child)))
    }

    @Test func versionAndAMissingHelm() async throws {
        let helm = try HelmStandIn()
        #expect(try await Self.cli(helm).version() == "v3.16.4+gstandin")
        let missing = HelmCLI(settings: HelmSettings(executable: "/nonexistent/helm", chartDirectory: "/x"), logger: testLogger)
        let error = await clusterError { _ = try await missing.version() }
        #expect(error?.kind == .permanent)
        #expect(error?.message.contains("--helm") == true)
    }

    /// Whether `pid` is still alive a moment later (a killed process needs to be scheduled to
    /// die; on a loaded machine that takes a few milliseconds).
    static func survives(_ pid: Int32) async -> Bool {
        for _ in 0..<40 {
            if !isAlive(pid) { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return isAlive(pid)
    }

    /// Alive and not a zombie (a zombie is dead; only its parent has not collected it).
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
        return state != "Z"
    }
}

/// Urumi compares versions against the chart's defaults when a store pins none: they must be
/// the chart's (`helm/store/values.yaml`).
@Test func theChartDefaultVersionsUrumiAssumesAreTheChartsOwn() throws {
    let values = try String(contentsOfFile: UrumiBinary.checkout + "/helm/store/values.yaml", encoding: .utf8)
    let lines = values.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    #expect(lines.contains("tag: \(StoreConfig.chartWordPressVersion)-php8.3-apache"), "the WordPress image tag")
    let woocommerce = try #require(lines.firstIndex(of: "woocommerce:"))
    let version = lines[woocommerce...].first { $0.hasPrefix("version:") }
    #expect(version == "version: \"\(StoreConfig.chartWooCommerceVersion)\"")
}
