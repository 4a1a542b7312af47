/// The argument vectors of the helm commands Urumi runs (pure, so tests read them as data).
public enum HelmCommand {
    /// `helm upgrade --install`: idempotent (installs, or upgrades the same release again).
    ///
    /// No `--wait`: the saga's mysql/wordpress/woocommerce steps watch the workloads through
    /// the API and report *why* something is not ready; Helm's own wait would only poll the
    /// same objects and say "timed out". The chart has no hooks (the setup Job is a plain
    /// object of the release, watched by the woocommerce step), so helm returns once the objects
    /// are applied. No `--atomic` either: on a
    /// failure the saga compensates (uninstall, then delete the namespace) and the failed
    /// objects stay readable until then. No `--create-namespace`: the namespace is Urumi's,
    /// with its labels, created by the namespace step.
    public static func upgradeInstall(
        release: String, chart: String, namespace: String, valuesFile: String, timeout: Duration, settings: HelmSettings
    ) -> [String] {
        // Later --values files win: the platform's files first, the store's own values last.
        let platform = settings.platformValuesFiles.flatMap { ["--values", $0] }
        return ["upgrade", "--install", release, chart, "--namespace", namespace] + platform
            + ["--values", valuesFile, "--reset-values", "--history-max", "10", "--timeout", seconds(timeout)]
            + connection(settings)
    }

    /// `helm uninstall`; a release that is not there is success (see `HelmErrorClassifier`).
    public static func uninstall(release: String, namespace: String, timeout: Duration, settings: HelmSettings) -> [String] {
        ["uninstall", release, "--namespace", namespace, "--timeout", seconds(timeout)] + connection(settings)
    }

    /// `helm history --max 1 -o json`: the release's latest revision and its status.
    public static func latestRevision(release: String, namespace: String, settings: HelmSettings) -> [String] {
        ["history", release, "--namespace", namespace, "--max", "1", "--output", "json"] + connection(settings)
    }

    /// `helm rollback` to `revision`, or to the previous one (which also ends a
    /// `pending-upgrade` / `pending-rollback`). No `--wait`: the recover step watches the workloads.
    public static func rollback(
        release: String, namespace: String, revision: Int? = nil, timeout: Duration, settings: HelmSettings
    ) -> [String] {
        ["rollback", release] + (revision.map { [String($0)] } ?? []) + ["--namespace", namespace, "--timeout", seconds(timeout)]
            + connection(settings)
    }

    /// `helm get values --revision N -o yaml`: the values a revision was deployed with (all
    /// the `--values` files merged: the platform's and the store's).
    public static func getValues(release: String, namespace: String, revision: Int, settings: HelmSettings) -> [String] {
        ["get", "values", release, "--namespace", namespace, "--revision", String(revision), "--output", "yaml"]
            + connection(settings)
    }

    /// `helm version --short`: does helm run at all.
    public static func version() -> [String] {
        ["version", "--short"]
    }

    private static func connection(_ settings: HelmSettings) -> [String] {
        var arguments: [String] = []
        if let kubeconfig = settings.kubeconfig { arguments += ["--kubeconfig", kubeconfig] }
        if let context = settings.kubeContext { arguments += ["--kube-context", context] }
        return arguments
    }

    /// Helm durations: whole seconds, e.g. `1800s`.
    static func seconds(_ duration: Duration) -> String {
        "\(max(1, duration.components.seconds))s"
    }
}
