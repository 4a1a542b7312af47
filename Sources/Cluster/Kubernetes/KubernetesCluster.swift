import Foundation
import Logging
import Provisioning

/// The real cluster: the Kubernetes REST API for namespaces and readiness (by watch), the
/// `helm` CLI for the store chart. Same semantics as `SimulatedCluster`: every operation is
/// idempotent, helm needs the namespace, the workload steps need the namespace, and deleting
/// the namespace removes everything in it.
public final class KubernetesCluster: ClusterDriver, ClusterReachability {
    public let client: KubernetesClient
    public let helm: HelmCLI
    let layout: StoreChartLayout
    let readiness: ReadinessSettings
    /// Urumi's RoleBinding in each store namespace (nil: its rights come from elsewhere, e.g.
    /// a cluster-admin kubeconfig on a test cluster).
    public let storeAccess: StoreAccess?
    /// The saga's deadline of each step: a readiness wait gives up a little before it, saying
    /// what it last saw instead of the coordinator's bare "deadline passed".
    public let stepDeadlines: [SagaStep: Duration]
    /// Whether the chart values turn TLS on with a cert-manager issuer: then the certificate
    /// step of a domain change waits for the Certificate to be Ready.
    public let managesCertificates: Bool
    /// Whether the chart values turn backups on (`backup.enabled`).
    public var takesBackups: Bool { chartFeatures.backups }
    /// What the platform's chart values render for every store (Ingress, backup and canary
    /// CronJobs): which objects drift detection expects.
    public let chartFeatures: StoreChartObjects.Features
    let logger: Logger

    public init(
        client: KubernetesClient, helm: HelmCLI, layout: StoreChartLayout = StoreChartLayout(),
        readiness: ReadinessSettings = ReadinessSettings(), storeAccess: StoreAccess? = nil,
        stepDeadlines: [SagaStep: Duration] = [:], managesCertificates: Bool = false,
        chartFeatures: StoreChartObjects.Features = StoreChartObjects.Features(), logger: Logger
    ) {
        self.managesCertificates = managesCertificates
        self.chartFeatures = chartFeatures
        self.stepDeadlines = stepDeadlines
        self.storeAccess = storeAccess
        self.client = client
        self.helm = helm
        self.layout = layout
        self.readiness = readiness
        self.logger = logger
    }

    public var description: String { "Kubernetes at \(client.connection.server) (\(client.connection.source))" }
    public var isSimulated: Bool { false }

    var namespaces: KubernetesNamespaces {
        KubernetesNamespaces(client: client, watchSeconds: readiness.watchSeconds)
    }

    public func run(_ step: SagaStep, for target: StoreTarget) async throws -> [String: String] {
        let storeID = target.id.description
        switch step {
        case .namespace:
            var details = try await namespaces.ensure(target.namespace, storeID: storeID)
            if let storeAccess {
                try await storeAccess.grant(in: target.namespace, storeID: storeID, client: client)
                details["roleBinding"] = "\(StoreAccess.bindingName) → ClusterRole \(storeAccess.clusterRole)"
            }
            return details
        case .helm:
            try await namespaces.requireActive(target.namespace, storeID: storeID)
            return try await helm.install(target)
        case .mysql, .wordpress, .woocommerce:
            try await namespaces.requireActive(target.namespace, storeID: storeID)
            guard let workload = layout.workload(for: step, of: target) else { return [:] }
            var settings = readiness
            if let deadline = stepDeadlines[step] {
                // 15 s early (a tenth of short deadlines), so the answer is in before it.
                settings.giveUpAfter = deadline - min(.seconds(15), deadline / 10)
            }
            var details = try await WorkloadWaiter(client: client, settings: settings).wait(for: workload)
            // A clone: the source's backup goes in once the shop is installed, before it is live.
            if step == .woocommerce, let work = target.backup, let source = work.source {
                details.merge(try await seed(target, from: source, work: work)) { _, new in new }
            }
            return details
        }
    }

    public func change(_ step: OperationStep, for target: StoreTarget) async throws -> [String: String] {
        let storeID = target.id.description
        if step == .discard { return try await backupStep(step, for: target) }
        try await namespaces.requireActive(target.namespace, storeID: storeID)
        let waiter = WorkloadWaiter(client: client, settings: readiness)
        switch step {
        case .apply:
            return try await helm.install(target)
        case .rollback:
            return try await helm.rollback(target)
        case .workloads, .recover:
            // One after the other: the waits are watches, and MySQL comes first anyway.
            var details: [String: String] = [:]
            for workload in layout.workloads(for: target.config, of: target) {
                details.merge(try await waiter.wait(for: workload)) { _, new in new }
                details[workload.description] = "settled"
            }
            return details
        case .setup:
            guard !target.config.suspended,
                let job = layout.workload(for: .woocommerce, of: target)
            else { return ["setup": "not run while suspended"] }
            return try await waiter.wait(for: job)
        case .certificate:
            guard managesCertificates else {
                return ["certificate": "not managed here (no cert-manager issuer in the chart values)"]
            }
            return try await waiter.wait(for: layout.certificate(of: target))
        case .snapshot, .quiesce, .restore, .restoreSnapshot, .discard:
            return try await backupStep(step, for: target)
        }
    }

    public func undo(_ step: SagaStep, for target: StoreTarget) async throws {
        switch step {
        case .helm:
            try await helm.uninstall(target)
        case .namespace:
            try await namespaces.delete(target.namespace, storeID: target.id.description)
        case .mysql, .wordpress, .woocommerce:
            break
        }
    }

    /// The WordPress admin login from the release's credentials Secret. The values are decoded
    /// here and handed to the caller only: never logged, never in an error message.
    public func credentials(for target: StoreTarget) async throws -> StoreCredentials {
        let name = layout.fullname(target.release) + layout.credentialsSecretSuffix
        let secret: JSONValue
        do {
            secret = try await client.send(
                .GET, "/api/v1/namespaces/\(target.namespace)/secrets/\(name)",
                operation: "read Secret \(name) in \(target.namespace)")
        } catch let error as KubernetesAPIError where error.code == 404 {
            throw ClusterError.permanent("store \(target.id) has no credentials yet: Secret \(name) is not in namespace \(target.namespace)")
        } catch let error as KubernetesAPIError {
            throw KubernetesErrorClassifier.classify(error)
        }
        func value(_ key: String) throws -> String {
            guard let encoded = secret[path: "data", key]?.string,
                let bytes = Data(base64Encoded: encoded), let text = String(data: bytes, encoding: .utf8), !text.isEmpty
            else {
                throw ClusterError.permanent("Secret \(name) in \(target.namespace) has no usable key \(key)")
            }
            return text
        }
        return StoreCredentials(username: try value(layout.adminUserKey), password: try value(layout.adminPasswordKey))
    }

    /// The startup check: helm runs and the API server answers `GET /version`. Returns one
    /// line per check for the log; throws with every problem found.
    public func checkReachable() async throws -> [String] {
        var problems: [String] = []
        var found: [String] = []
        do {
            found.append("helm \(try await helm.version())")
        } catch {
            problems.append("helm does not run (\(helm.settings.executable)): \(Self.text(error))")
        }
        do {
            let version = try await client.send(.GET, "/version", operation: "GET /version")
            found.append("Kubernetes \(version["gitVersion"]?.string ?? "?") at \(client.connection.server)")
            // /version answers anyone: ask whether these credentials may do the first step.
            if try await !client.mayI("create", "namespaces") {
                problems.append(
                    "the credentials of the \(client.connection.source) may not create namespaces (apply k8s/rbac.yaml, or use another identity)")
            }
        } catch let error as KubernetesAPIError {
            problems.append("the Kubernetes API at \(client.connection.server) refused GET /version: \(KubernetesErrorClassifier.classify(error).message)")
        } catch let error as ClusterError where error.kind == .permanent {
            problems.append("the Kubernetes API at \(client.connection.server) refused: \(error.message)")
        } catch {
            problems.append("the Kubernetes API at \(client.connection.server) is not reachable: \(Self.text(error))")
        }
        if !problems.isEmpty { throw KubeConfigError(problems.joined(separator: "; ")) }
        return found
    }

    /// Whether the API server answers `GET /version` within 5 s (any answer will do).
    public func probe() async -> ClusterError? {
        do {
            _ = try await client.send(.GET, "/version", timeout: .seconds(5), operation: "GET /version")
            return nil
        } catch let error as ClusterError where error.isUnreachable {
            return error
        } catch {
            return nil  // an answer, if not the one hoped for: the cluster is there
        }
    }

    public func shutdown() async {
        await client.shutdown()
    }

    private static func text(_ error: any Error) -> String {
        (error as? ClusterError)?.message ?? "\(error)"
    }
}
