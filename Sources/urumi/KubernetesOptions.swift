import ArgumentParser
import Foundation
import Cluster
import UrumiApp

/// `--kubeconfig`, `--kube-context`, `--helm`, `--chart-dir`, `--helm-timeout`: the real cluster
/// (used with `--cluster kubernetes`).
struct KubernetesOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster).", valueName: "path"))
    var kubeconfig: String?

    @Option(help: ArgumentHelp("Kubeconfig context (default: its current context).", valueName: "name"))
    var kubeContext: String?

    @Option(help: ArgumentHelp("The helm binary (default: helm on PATH).", valueName: "path"))
    var helm: String = "helm"

    @Option(help: ArgumentHelp("The store chart (default: helm/store found beside the binary).", valueName: "path"))
    var chartDir: String?

    @Option(
        help: ArgumentHelp(
            "ClusterRole that the namespace step binds to Urumi's own identity in each store namespace (k8s/rbac.yaml: urumi-store); default: none, Urumi's rights come from elsewhere.",
            valueName: "name"))
    var storeClusterRole: String?

    @Option(
        name: .customLong("chart-values"),
        help: ArgumentHelp(
            "A values file of the store chart for every store (ingress class, TLS issuer...); repeatable, the store's own values win.",
            valueName: "path"))
    var chartValues: [String] = []

    @Option(
        help: ArgumentHelp(
            "--timeout of helm upgrade --install (helm runs without --wait: it applies the chart; Urumi watches the workloads).",
            valueName: "duration"))
    var helmTimeout: String = "5m"

    func settings() throws -> KubernetesSettings {
        guard let timeout = SagaOptions.duration(helmTimeout), timeout >= .seconds(1) else {
            throw ValidationError("--helm-timeout: expected a duration such as 5m, got \(helmTimeout)")
        }
        for path in chartValues where !FileManager.default.isReadableFile(atPath: path) {
            throw ValidationError("--chart-values: cannot read \(path)")
        }
        return KubernetesSettings(
            kubeconfig: kubeconfig, context: kubeContext, helm: helm, chartDir: chartDir, helmTimeout: timeout,
            chartValues: chartValues, storeClusterRole: storeClusterRole)
    }
}

