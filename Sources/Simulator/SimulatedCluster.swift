import Provisioning
import Synchronization

/// A cluster that exists only in Urumi's database: namespaces and releases are rows in an
/// inventory, steps take a configurable time and fail, flake or hang on demand.
///
/// It behaves like the real adapters where the saga can tell: operations are idempotent,
/// Helm needs its namespace, the workload steps need the release, and deleting a namespace
/// removes the release in it. No real store is created, which logs, the API and the dashboard
/// say plainly.
public final class SimulatedCluster: ClusterDriver, ClusterReachability {
    public let settings: SimulationSettings
    public let inventory: any SimulatedInventory
    let clock: any Clock<Duration>
    private let rng: Mutex<SplitMix64>
    private let unreachable: Mutex<Bool>

    public init(settings: SimulationSettings, inventory: any SimulatedInventory, clock: any Clock<Duration> = ContinuousClock()) {
        self.settings = settings
        self.inventory = inventory
        self.clock = clock
        self.rng = Mutex(SplitMix64(seed: settings.seed))
        self.unreachable = Mutex(settings.unreachable)
    }

    public var description: String { "simulated cluster (no real stores are created)" }
    public var isSimulated: Bool { true }

    public func run(_ step: SagaStep, for target: StoreTarget) async throws -> [String: String] {
        try await clock.sleep(for: settings.latency)
        try await injectFaults(step.rawValue)
        switch step {
        case .namespace:
            try await inventory.create(.namespace, name: target.namespace, owner: target.id.description)
            return ["namespace": target.namespace]
        case .helm:
            guard try await inventory.exists(.namespace, name: target.namespace) else {
                throw ClusterError.permanent("namespace \(target.namespace) does not exist")
            }
            if try await inventory.create(.release, name: target.release, owner: target.id.description) {
                // Like the chart's Secret: a password generated once per install.
                let password = rng.withLock { rng in
                    (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
                }
                try await inventory.setSecret(.release, name: target.release, secret: password)
            }
            // `helm upgrade --install` makes a revision on every run, as here.
            let revision = try await upgradeRelease(target, to: target.config)
            return [
                "release": target.release, "chart": "helm/store", "plan": target.config.plan.rawValue,
                "revision": revision.map(String.init) ?? "",
            ]
        case .mysql, .wordpress, .woocommerce:
            guard try await inventory.exists(.release, name: target.release) else {
                throw ClusterError.permanent("release \(target.release) is not installed")
            }
            guard step == .woocommerce else { return [:] }
            if try await inventory.data(release: target.release) == nil {
                try await inventory.setData(release: target.release, data: Self.freshData(target))
            }
            // A clone gets the source's data once its shop is installed (scrubbed, its URLs
            // rewritten), before it goes live.
            if let work = target.backup, let source = work.source {
                return try await restore(source, into: target, scrub: work.scrub, rewriteFrom: work.rewriteFrom)
            }
            return ["product": "sample product 29.99, stock 100"]
        }
    }

    public func undo(_ step: SagaStep, for target: StoreTarget) async throws {
        try await clock.sleep(for: settings.latency)
        try await injectFaults("undo-\(step.rawValue)")
        switch step {
        case .helm:
            try await inventory.delete(.release, name: target.release)
        case .namespace:
            // Deleting a namespace deletes what is in it, the release included.
            try await inventory.delete(.release, name: target.release)
            try await inventory.delete(.namespace, name: target.namespace)
        case .mysql, .wordpress, .woocommerce:
            break
        }
    }

    public func change(_ step: OperationStep, for target: StoreTarget) async throws -> [String: String] {
        try await clock.sleep(for: settings.latency)
        try await injectFaults("change-\(step.rawValue)")
        // A backup's objects are in the bucket, which outlives the store.
        if step == .discard { return try await discard(target) }
        guard try await inventory.exists(.release, name: target.release) else {
            throw ClusterError.permanent("release \(target.release) is not installed")
        }
        switch step {
        case .apply:
            let revision = try await upgradeRelease(target, to: target.config)
            return ["release": target.release, "revision": revision.map(String.init) ?? ""]
        case .rollback:
            guard let revision = try await rollbackRelease(target) else {
                throw ClusterError.permanent(
                    "helm rollback \(target.release): no revision \(target.rollbackRevision.map(String.init) ?? "before the last")")
            }
            return ["release": target.release, "revision": String(revision)]
        case .workloads, .recover:
            // The workloads follow the release's current values: the config's, or after a
            // rollback the good revision's.
            let suspended = try await currentConfig(target)?.suspended ?? target.config.suspended
            return suspended ? ["wordpress": "0 replicas", "mysql": "0 replicas", "maintenance": "1/1 ready"]
                : ["wordpress": "1/1 ready", "mysql": "1/1 ready"]
        case .setup:
            let plugins = target.config.plugins.map(\.description)
            return ["plugins": plugins.isEmpty ? "none" : plugins.joined(separator: ", ")]
        case .certificate:
            return ["hosts": ([target.spec.domain] + target.config.extraDomains).joined(separator: ", ")]
        case .snapshot:
            return try await snapshot(target)
        case .quiesce:
            return try await quiesce(target)
        case .restore:
            guard let source = target.backup?.source else { throw ClusterError.permanent("no backup to restore") }
            return try await restore(source, into: target, scrub: false, rewriteFrom: nil)
        case .restoreSnapshot:
            guard let snapshot = target.backup?.snapshot else { throw ClusterError.permanent("no safety backup to restore") }
            _ = try await quiesce(target)
            return try await restore(
                BackupWork.Source(store: target.id, backup: snapshot), into: target, scrub: false, rewriteFrom: nil)
        case .discard:
            return try await discard(target)
        }
    }

    /// The config of the release's current revision.
    func currentConfig(_ target: StoreTarget) async throws -> StoreConfig? {
        guard let current = try await inventory.current(release: target.release) else { return nil }
        return try StoreProjection.decodeJSON(StoreConfig.self, current.values)
    }

    static func values(_ config: StoreConfig) throws -> String {
        try StoreProjection.encodeJSON(config)
    }

    public func credentials(for target: StoreTarget) async throws -> StoreCredentials {
        guard let password = try await inventory.secret(.release, name: target.release) else {
            throw ClusterError.permanent("store \(target.id) has no installed release")
        }
        return StoreCredentials(username: "admin", password: password)
    }

    /// Cuts the simulated cluster off (every call fails as a real adapter fails when it
    /// cannot reach the API server), or brings it back. For tests and demos of an outage.
    public func setReachable(_ reachable: Bool) {
        unreachable.withLock { $0 = !reachable }
    }

    /// Whether calls reach the simulated cluster (see `setReachable`).
    public var isReachable: Bool { unreachable.withLock { !$0 } }

    public func probe() async -> ClusterError? {
        isReachable ? nil : .unreachable("cannot reach the simulated cluster's API server (connection refused)")
    }

    /// Draws this attempt's fault: hang (until cancelled), permanent or transient failure.
    /// An unreachable cluster fails every call before anything else.
    func injectFaults(_ name: String) async throws {
        if !isReachable {
            throw ClusterError.unreachable("\(name): cannot reach the simulated cluster's API server (connection refused)")
        }
        let (hang, fail, flake) = rng.withLock { rng in
            (
                Double.random(in: 0..<1, using: &rng) < (settings.hangs[name] ?? 0),
                Double.random(in: 0..<1, using: &rng) < (settings.failures[name] ?? 0),
                Double.random(in: 0..<1, using: &rng) < (settings.flaky[name] ?? 0)
            )
        }
        if hang {
            while true { try await clock.sleep(for: .seconds(3600)) }
        }
        if fail { throw ClusterError.permanent("simulated failure of \(name)") }
        if flake { throw ClusterError.transient("simulated transient failure of \(name)") }
    }
}
