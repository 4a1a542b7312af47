/// What a store runs with: the chart's inputs that a day-two operation can change. A store
/// starts with its request's name and plan and the chart's default versions; operations
/// move it from one config to another.
public struct StoreConfig: Sendable, Hashable, Codable {
    /// The shop's title.
    public var name: String
    public var plan: Plan
    /// WordPress core (the image tag); nil: the chart's default.
    public var wordpressVersion: String?
    /// WooCommerce; nil: the chart's default.
    public var woocommerceVersion: String?
    /// wordpress.org plugins Urumi installs and keeps (others are the shop owner's).
    public var plugins: [PluginSpec]
    /// Host names besides the store's domain, each claimed in the log like the domain.
    public var extraDomains: [String]
    /// Scaled to zero (volumes kept); the shop URL shows a maintenance page.
    public var suspended: Bool

    public init(
        name: String, plan: Plan, wordpressVersion: String? = nil, woocommerceVersion: String? = nil,
        plugins: [PluginSpec] = [], extraDomains: [String] = [], suspended: Bool = false
    ) {
        self.name = name
        self.plan = plan
        self.wordpressVersion = wordpressVersion
        self.woocommerceVersion = woocommerceVersion
        self.plugins = plugins
        self.extraDomains = extraDomains
        self.suspended = suspended
    }

    /// The config a new store starts with.
    public init(spec: StoreSpec) {
        self.init(name: spec.name, plan: spec.plan)
    }

    /// The versions the store chart installs when none is pinned (`helm/store/values.yaml`:
    /// the WordPress image tag and `woocommerce.version`; a test keeps them equal).
    public static let chartWordPressVersion = "7.1.0"
    public static let chartWooCommerceVersion = "11.1.2"

    /// The WordPress version the store runs (pinned, or the chart's).
    public var effectiveWordPressVersion: String { wordpressVersion ?? Self.chartWordPressVersion }
    public var effectiveWooCommerceVersion: String { woocommerceVersion ?? Self.chartWooCommerceVersion }
}

/// A wordpress.org plugin: its slug and, optionally, a pinned version (latest otherwise).
public struct PluginSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    public let slug: String
    public let version: String?

    public init(slug: String, version: String? = nil) {
        self.slug = slug
        self.version = version
    }

    /// `slug` or `slug@version`.
    public var description: String { version.map { "\(slug)@\($0)" } ?? slug }
}

extension Plan {
    /// The plan's order by size: storage only grows along it (small < medium < large).
    public var rank: Int { Plan.allCases.firstIndex(of: self)! }
}

/// A dotted version such as `7.1.0`: numeric parts (2-4 by default), each at most 6 digits.
public struct DottedVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let parts: [Int]
    public let description: String

    /// WordPress core: `7.1` or `7.1.0` (what the chart's schema takes for `wordpress.version`).
    public static let wordpressParts: ClosedRange<Int> = 2...3
    /// WooCommerce: exactly `x.y.z` (the chart's schema for `woocommerce.version`).
    public static let woocommerceParts: ClosedRange<Int> = 3...3

    public init?(_ text: String, parts allowed: ClosedRange<Int> = 2...4) {
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard allowed.contains(pieces.count) else { return nil }
        var parts: [Int] = []
        for piece in pieces {
            guard !piece.isEmpty, piece.count <= 6, piece.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(piece)
            else { return nil }
            parts.append(value)
        }
        self.parts = parts
        self.description = text
    }

    public static func < (lhs: DottedVersion, rhs: DottedVersion) -> Bool {
        let count = max(lhs.parts.count, rhs.parts.count)
        for index in 0..<count {
            let (left, right) = (index < lhs.parts.count ? lhs.parts[index] : 0, index < rhs.parts.count ? rhs.parts[index] : 0)
            if left != right { return left < right }
        }
        return false
    }
}
