/// The provisioning steps, in order.
public enum SagaStep: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable, Hashable, Comparable {
    /// Namespace `store-<id>` with Urumi and Pod Security labels.
    case namespace
    /// `helm upgrade --install` of the store chart.
    case helm
    /// MySQL StatefulSet ready.
    case mysql
    /// WordPress Deployment available.
    case wordpress
    /// WooCommerce setup Job succeeded and the shop answers.
    case woocommerce

    public static func < (lhs: SagaStep, rhs: SagaStep) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Whether undoing this step is a cluster operation of its own. MySQL, WordPress and
    /// WooCommerce are installed by the chart, so `helm uninstall` undoes them.
    public var hasUndo: Bool { self == .namespace || self == .helm }

    /// The step whose undo removes this step's effects.
    public var undoneBy: SagaStep { hasUndo ? self : .helm }
}
