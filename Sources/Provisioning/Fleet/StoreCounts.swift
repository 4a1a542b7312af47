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
        byStatus[view.status.rawValue, default: 0] += 1
        guard view.status != .deleted else { return }
        total += 1
        byPlan[view.plan.rawValue, default: 0] += 1
        byHealth[view.health?.state.rawValue ?? "unknown", default: 0] += 1
        let config = view.applied ?? view.desired
        byWordPressVersion[config.effectiveWordPressVersion, default: 0] += 1
        byWooCommerceVersion[config.effectiveWooCommerceVersion, default: 0] += 1
        if view.needsAttention { needsAttention += 1 }
        if view.drift?.isOutstanding == true { drifted += 1 }
    }

    /// Counts every store of the read model (one pass over its pages).
    public static func count(_ readModel: any StoreReadModel) async throws -> StoreCounts {
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
