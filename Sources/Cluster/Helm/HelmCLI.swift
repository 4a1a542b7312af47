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

    /// `helm upgrade --install` of the store chart into the store's namespace. A release left
    /// `pending-*` by a helm that was killed (its pod evicted with Urumi's) blocks every later
    /// operation with "another operation is in progress": once no helm of ours can still be
    /// working on it, it is ended (`uninstall` of a first install, `rollback` of an upgrade)
    /// and the install runs again.
    public func install(_ target: StoreTarget) async throws -> [String: String] {
        do {
            return try await installOnce(target)
        } catch let error as ClusterError where error.message.contains(Self.inProgress) {
            try await endStuckOperation(target)
            return try await installOnce(target)
        }
    }

    static let inProgress = "another operation (install/upgrade/rollback) is in progress"

    private func installOnce(_ target: StoreTarget) async throws -> [String: String] {
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
        let redactor = SecretRedactor()
        let result = try await run(arguments, timeout: settings.installTimeout, redactor: redactor, name: "helm upgrade --install")
        guard result.exitCode == 0 else {
            throw HelmErrorClassifier.classify(
                command: "helm upgrade --install \(target.release)", exitCode: result.exitCode,
                output: Self.excerpt(result, redactor: redactor))
        }
        // The revision is what a later rollback returns to: without it the step is not done.
        let revision = try await latest(target).revision
        return [
            "release": target.release, "chart": settings.chartDirectory, "plan": target.config.plan.rawValue,
            "revision": String(revision),
        ]
    }

    /// The release's latest revision (`helm history --max 1`).
    func latest(_ target: StoreTarget) async throws -> Revision {
        let redactor = SecretRedactor()
        let history = try await run(
            HelmCommand.latestRevision(release: target.release, namespace: target.namespace, settings: settings),
            timeout: .seconds(60), redactor: redactor, name: "helm history")
        guard history.exitCode == 0, let latest = Self.latestRevision(history.standardOutput), latest.revision > 0 else {
            throw ClusterError.transient(
                "helm history \(target.release) did not name the release's revision: \(Self.excerpt(history, redactor: redactor))")
        }
        return latest
    }

    /// `helm rollback` to `target.rollbackRevision` (or the previous revision); returns the
    /// revision the rollback made.
    public func rollback(_ target: StoreTarget) async throws -> [String: String] {
        let redactor = SecretRedactor()
        let result = try await run(
            HelmCommand.rollback(
                release: target.release, namespace: target.namespace, revision: target.rollbackRevision,
                timeout: settings.uninstallTimeout, settings: settings),
            timeout: settings.uninstallTimeout, redactor: redactor, name: "helm rollback")
        guard result.exitCode == 0 else {
            throw HelmErrorClassifier.classify(
                command: "helm rollback \(target.release)", exitCode: result.exitCode, output: Self.excerpt(result, redactor: redactor))
        }
        var details = ["release": target.release, "revision": String(try await latest(target).revision)]
        if let to = target.rollbackRevision { details["rolledBackTo"] = String(to) }
        return details
    }

    /// Ends a `pending-*` release whose last change is older than a helm of ours could run
    /// (`installTimeout` + the process slack); a younger one may be another replica's helm
    /// still at work, so that is a transient error (the saga retries later).
    func endStuckOperation(_ target: StoreTarget, now: Date = Date()) async throws {
        let redactor = SecretRedactor()
        let history = try await run(
            HelmCommand.latestRevision(release: target.release, namespace: target.namespace, settings: settings),
            timeout: .seconds(60), redactor: redactor, name: "helm history")
        guard history.exitCode == 0, let latest = Self.latestRevision(history.standardOutput) else {
            throw ClusterError.transient(
                "helm upgrade --install \(target.release): another operation holds the release, and helm history did not say which: \(Self.excerpt(history, redactor: redactor))")
        }
        guard latest.status.hasPrefix("pending-") else {
            throw ClusterError.transient("helm upgrade --install \(target.release): another operation was in progress (the release is now \(latest.status))")
        }
        let limit = settings.installTimeout + settings.processSlack
        let age = latest.updated.map { now.timeIntervalSince($0) } ?? .infinity
        guard age > Double(limit.components.seconds) else {
            throw ClusterError.transient(
                "helm upgrade --install \(target.release): the release is \(latest.status) since \(Int(age)) s, possibly another helm still at work; trying again later")
        }
        logger.warning(
            "ending a stuck helm release", metadata: ["release": "\(target.release)", "status": "\(latest.status)", "revision": "\(latest.revision)"])
        if latest.status == "pending-install" {
            try await uninstall(target)
        } else {
            let result = try await run(
                HelmCommand.rollback(release: target.release, namespace: target.namespace, timeout: settings.uninstallTimeout, settings: settings),
                timeout: settings.uninstallTimeout, redactor: redactor, name: "helm rollback")
            guard result.exitCode == 0 else {
                throw HelmErrorClassifier.classify(
                    command: "helm rollback \(target.release)", exitCode: result.exitCode, output: Self.excerpt(result, redactor: redactor))
            }
        }
    }

    struct Revision: Equatable {
        var revision: Int
        var status: String
        var updated: Date?
    }

    /// The last entry of `helm history -o json`; `updated` is RFC 3339 with nanoseconds.
    static func latestRevision(_ json: String) -> Revision? {
        guard let entries = try? JSONValue.parse(Array(json.utf8)).array, let last = entries.last,
            let status = last["status"]?.string
        else { return nil }
        return Revision(revision: last["revision"]?.int ?? 0, status: status, updated: last["updated"]?.string.flatMap(parseTime))
    }

    /// `2026-11-27T10:00:00.123456789+01:00` or `...Z` (fractions dropped).
    static func parseTime(_ text: String) -> Date? {
        var value = text
        if let dot = value.firstIndex(of: "."), let zone = value[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) {
            value.removeSubrange(dot..<zone)
        }
        return ISO8601DateFormatter().date(from: value)
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

    func run(_ arguments: [String], timeout: Duration, redactor: SecretRedactor, name: String) async throws
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
}
