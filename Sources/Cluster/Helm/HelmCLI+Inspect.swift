import Provisioning

extension HelmCLI {
    /// The release's current revision and the values it was deployed with (YAML); nil when
    /// the release is not installed. Read-only: `helm history --max 1`, then `helm get values`.
    public func deployed(_ target: StoreTarget) async throws -> (revision: Int, values: String)? {
        let redactor = SecretRedactor()
        let history = try await run(
            HelmCommand.latestRevision(release: target.release, namespace: target.namespace, settings: settings),
            timeout: .seconds(60), redactor: redactor, name: "helm history")
        guard history.exitCode == 0 else {
            if HelmErrorClassifier.isReleaseNotFound(history.standardError) { return nil }
            throw HelmErrorClassifier.classify(
                command: "helm history \(target.release)", exitCode: history.exitCode, output: Self.excerpt(history, redactor: redactor))
        }
        guard let latest = Self.latestRevision(history.standardOutput), latest.revision > 0 else { return nil }
        let values = try await run(
            HelmCommand.getValues(release: target.release, namespace: target.namespace, revision: latest.revision, settings: settings),
            timeout: .seconds(60), redactor: redactor, name: "helm get values")
        guard values.exitCode == 0 else {
            throw HelmErrorClassifier.classify(
                command: "helm get values \(target.release)", exitCode: values.exitCode, output: Self.excerpt(values, redactor: redactor))
        }
        return (latest.revision, values.standardOutput)
    }
}
