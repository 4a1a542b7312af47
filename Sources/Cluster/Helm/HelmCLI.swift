import Foundation
import Logging
import Provisioning

/// Runs the `helm` CLI for the saga: install/upgrade and uninstall of a store's release, each
/// with a timeout (helm's own `--timeout`, and the process is stopped if it overstays), output
/// captured into the step's error with secrets redacted, and failures classified.
public struct HelmCLI: Sendable {
    public let settings: HelmSettings
    let runner: CommandRunner
    let layout: StoreChartLayout
    let logger: Logger

    public init(settings: HelmSettings, layout: StoreChartLayout = StoreChartLayout(), runner: CommandRunner = CommandRunner(), logger: Logger) {
        self.settings = settings
        self.layout = layout
        self.runner = runner
        self.logger = logger
    }

    /// `helm upgrade --install` of the store chart into the store's namespace.
    public func install(_ target: StoreTarget) async throws -> [String: String] {
        let values = layout.values(for: target)
        let file: HelmValuesFile
        do {
            file = try HelmValuesFile.write(values)
        } catch {
            throw ClusterError.transient("\(error)")
        }
        defer { file.remove() }
        let arguments = HelmCommand.upgradeInstall(
            release: target.release, chart: settings.chartDirectory, namespace: target.namespace, valuesFile: file.path,
            timeout: settings.installTimeout, settings: settings)
        let redactor = SecretRedactor(secrets: Self.secretValues(values))
        let result = try await run(arguments, timeout: settings.installTimeout, redactor: redactor, name: "helm upgrade --install")
        guard result.exitCode == 0 else {
            throw HelmErrorClassifier.classify(
                command: "helm upgrade --install \(target.release)", exitCode: result.exitCode,
                output: Self.excerpt(result, redactor: redactor))
        }
        return ["release": target.release, "chart": settings.chartDirectory, "plan": target.spec.plan.rawValue]
    }

    /// `helm uninstall`; a release that is not there (never installed, already removed, or its
    /// namespace gone) counts as uninstalled.
    public func uninstall(_ target: StoreTarget) async throws {
        let arguments = HelmCommand.uninstall(
            release: target.release, namespace: target.namespace, timeout: settings.uninstallTimeout, settings: settings)
        let redactor = SecretRedactor()
        let result = try await run(arguments, timeout: settings.uninstallTimeout, redactor: redactor, name: "helm uninstall")
        guard result.exitCode == 0 else {
            let output = Self.excerpt(result, redactor: redactor)
            if HelmErrorClassifier.isReleaseNotFound(result.standardError) { return }
            throw HelmErrorClassifier.classify(command: "helm uninstall \(target.release)", exitCode: result.exitCode, output: output)
        }
    }

    /// `helm version --short` (for the startup check).
    public func version() async throws -> String {
        let result = try await run(HelmCommand.version(), timeout: .seconds(30), redactor: SecretRedactor(), name: "helm version")
        guard result.exitCode == 0 else {
            throw ClusterError.permanent("helm version failed: \(Self.excerpt(result, redactor: SecretRedactor()))")
        }
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func run(_ arguments: [String], timeout: Duration, redactor: SecretRedactor, name: String) async throws
        -> CommandRunner.Result
    {
        logger.debug("running helm", metadata: ["arguments": "\(redactor.redact(arguments.joined(separator: " ")))"])
        do {
            return try await runner.run(settings.executable, arguments, timeout: timeout + settings.processSlack)
        } catch CommandRunner.Failure.cannotRun(let why) {
            throw ClusterError.permanent("\(name): helm cannot run (\(why)); set --helm to the helm binary")
        } catch CommandRunner.Failure.timedOut(let limit) {
            throw ClusterError.transient("\(name) did not finish within \(limit) and was stopped")
        }
    }

    /// The end of stderr (and of stdout when stderr is empty), redacted and kept short.
    static func excerpt(_ result: CommandRunner.Result, redactor: SecretRedactor) -> String {
        let text = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
        let chosen = text.isEmpty ? result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) : text
        return redactor.redact(String(chosen.suffix(2000)))
    }

    /// Values whose key says they are secret (the chart generates its passwords itself today;
    /// this keeps any future password value out of errors).
    static func secretValues(_ values: [String: String]) -> [String] {
        values.filter { key, _ in
            let lower = key.lowercased()
            return lower.contains("password") || lower.contains("secret") || lower.contains("token")
        }.map(\.value)
    }
}
