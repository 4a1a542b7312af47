import EventStore

/// How many stores there are by status, plan, health and versions: for the dashboard's header
/// and `/metrics` (`GET /stores/counts`). Deleted stores count only in `byStatus`.
public struct StoreCounts: Sendable, Hashable, Codable {
    public var total = 0
    public var byStatus: [String: Int] = [:]
    public var byPlan: [String: Int] = [:]
    /// `healthy`, `failing`, `degraded`, or `unknown` (never checked).
    public var byHealth: [String: Int] = [:]
    public var byWordPressVersion: [String: Int] = [:]
    public var byWooCommerceVersion: [String: Int] = [:]
    /// Live stores that need an operator (compensation or a rollback could not clean up).
    public var needsAttention = 0
    /// Live stores whose cluster differs from the log (drift reported, being corrected, or
    /// whose correction failed).
    public var drifted = 0
    /// The log position the counts reflect at least.
    public var position: String?

    public init() {}

    public mutating func add(_ view: StoreView) {
        let config = view.applied ?? view.desired
        add(
            Group(
                status: view.status.rawValue, plan: view.plan.rawValue, health: view.health?.state.rawValue ?? "unknown",
                wordpressVersion: config.effectiveWordPressVersion, woocommerceVersion: config.effectiveWooCommerceVersion,
                needsAttention: view.needsAttention, drifted: view.drift?.isOutstanding == true),
            count: 1)
    }

    /// Stores that count alike: what an aggregate over the store list groups by.
    public struct Group: Sendable, Hashable {
        public let status: String
        public let plan: String
        /// A `StoreHealth.State`, or `unknown`.
        public let health: String
        /// The effective versions of the config the store runs (the one asked for before it first ran).
        public let wordpressVersion: String
        public let woocommerceVersion: String
        public let needsAttention: Bool
        /// Drift on record and not corrected (`StoreDrift.isOutstanding`).
        public let drifted: Bool

        public init(
            status: String, plan: String, health: String, wordpressVersion: String, woocommerceVersion: String,
            needsAttention: Bool, drifted: Bool = false
        ) {
            self.status = status
            self.plan = plan
            self.health = health
            self.wordpressVersion = wordpressVersion
            self.woocommerceVersion = woocommerceVersion
            self.needsAttention = needsAttention
            self.drifted = drifted
        }
    }

    /// Adds `count` stores of `group`.
    public mutating func add(_ group: Group, count: Int) {
        byStatus[group.status, default: 0] += count
        guard group.status != StoreStatus.deleted.rawValue else { return }
        total += count
        byPlan[group.plan, default: 0] += count
        byHealth[group.health, default: 0] += count
        byWordPressVersion[group.wordpressVersion, default: 0] += count
        byWooCommerceVersion[group.woocommerceVersion, default: 0] += count
        if group.needsAttention { needsAttention += count }
        if group.drifted { drifted += count }
    }

    /// Counts every store of the read model by reading all its pages and decoding each store:
    /// what `StoreReadModel.counts()` answered before it was one aggregate (kept as the
    /// reference its implementations are tested and measured against).
    public static func countingPages(_ readModel: any StoreReadModel) async throws -> StoreCounts {
        var counts = StoreCounts()
        var after: String?
        var position: LogCursor?
        repeat {
            let page = try await readModel.page(statuses: [], search: nil, after: after, limit: 1000)
            for item in page.items { counts.add(try StoreProjection.decodeView(item)) }
            position = position ?? page.position
            after = page.next
        } while after != nil
        counts.position = position?.description
        return counts
    }

    /// The counts as Prometheus gauges (text format lines).
    public var prometheus: String {
        var lines = [
            "# HELP urumi_stores_by_health Live stores by the health their order canary reports.",
            "# TYPE urumi_stores_by_health gauge",
        ]
        for state in StoreHealth.State.allCases.map(\.rawValue) + ["unknown"] {
            lines.append("urumi_stores_by_health{health=\"\(state)\"} \(byHealth[state] ?? 0)")
        }
        lines += ["# HELP urumi_stores_by_plan Live stores by plan.", "# TYPE urumi_stores_by_plan gauge"]
        for (plan, count) in byPlan.sorted(by: { $0.key < $1.key }) { lines.append("urumi_stores_by_plan{plan=\"\(plan)\"} \(count)") }
        lines += [
            "# HELP urumi_stores_by_wordpress_version Live stores by the WordPress version they run.",
            "# TYPE urumi_stores_by_wordpress_version gauge",
        ]
        for (version, count) in byWordPressVersion.sorted(by: { $0.key < $1.key }) {
            lines.append("urumi_stores_by_wordpress_version{version=\"\(version)\"} \(count)")
        }
        lines += ["# HELP urumi_stores_degraded Live stores whose order canary failed too often in a row.", "# TYPE urumi_stores_degraded gauge"]
        lines.append("urumi_stores_degraded \(byHealth["degraded"] ?? 0)")
        lines += [
            "# HELP urumi_stores_drifted Live stores whose cluster differs from what the log says (reported, being corrected, or not corrected).",
            "# TYPE urumi_stores_drifted gauge",
            "urumi_stores_drifted \(drifted)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
