/// A change as it arrives (a merge patch's fields, or a domain), before validation.
public struct StoreChangeInput: Sendable {
    public var name: String?
    public var plan: String?
    public var wordpressVersion: String?
    public var woocommerceVersion: String?
    public var plugins: [(slug: String?, version: String?)]?

    public init(
        name: String? = nil, plan: String? = nil, wordpressVersion: String? = nil, woocommerceVersion: String? = nil,
        plugins: [(slug: String?, version: String?)]? = nil
    ) {
        self.name = name
        self.plan = plan
        self.wordpressVersion = wordpressVersion
        self.woocommerceVersion = woocommerceVersion
        self.plugins = plugins
    }

    /// True when no field is set.
    public var isEmpty: Bool {
        name == nil && plan == nil && wordpressVersion == nil && woocommerceVersion == nil && plugins == nil
    }
}

extension StoreChange {
    /// Most plugins one store may list.
    public static let pluginLimit = 50
    /// Most extra host names one store may have.
    public static let extraDomainLimit = 20

    /// Validates an update's fields (each problem reported with its field); at least one is needed.
    public static func validate(_ input: StoreChangeInput) throws(ProvisioningError) -> StoreChange {
        var errors: [FieldError] = []
        var change = StoreChange()
        if let name = input.name {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            if let problem = StoreSpec.nameProblem(trimmed) {
                errors.append(FieldError(field: "name", message: problem))
            } else {
                change.name = trimmed
            }
        }
        if let plan = input.plan {
            if let parsed = Plan(rawValue: plan.trimmingCharacters(in: .whitespaces).lowercased()) {
                change.plan = parsed
            } else {
                errors.append(
                    FieldError(field: "plan", message: "must be one of \(Plan.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        if let value = input.wordpressVersion {
            if DottedVersion(value, parts: DottedVersion.wordpressParts) != nil {
                change.wordpressVersion = value
            } else {
                errors.append(FieldError(field: "wordpressVersion", message: "must be a version such as 7.1 or 7.1.0"))
            }
        }
        if let value = input.woocommerceVersion {
            if DottedVersion(value, parts: DottedVersion.woocommerceParts) != nil {
                change.woocommerceVersion = value
            } else {
                errors.append(FieldError(field: "woocommerceVersion", message: "must be a version such as 11.2.0"))
            }
        }
        if let plugins = input.plugins {
            var parsed: [PluginSpec] = []
            if plugins.count > pluginLimit {
                errors.append(FieldError(field: "plugins", message: "must list at most \(pluginLimit) plugins"))
            }
            for (index, plugin) in plugins.enumerated() {
                let slug = plugin.slug ?? ""
                if let problem = pluginSlugProblem(slug) {
                    errors.append(FieldError(field: "plugins[\(index)].slug", message: problem))
                } else if parsed.contains(where: { $0.slug == slug }) {
                    errors.append(FieldError(field: "plugins[\(index)].slug", message: "\(slug) is listed twice"))
                }
                if let version = plugin.version, DottedVersion(version) == nil {
                    errors.append(FieldError(field: "plugins[\(index)].version", message: "must be a version such as 5.3.2"))
                }
                parsed.append(PluginSpec(slug: slug, version: plugin.version))
            }
            change.plugins = parsed
        }
        if input.isEmpty {
            errors.append(
                FieldError(
                    field: "body",
                    message: "must set at least one of name, plan, wordpressVersion, woocommerceVersion, plugins"))
        }
        guard errors.isEmpty else { throw .validation(errors) }
        return change
    }

    /// A wordpress.org slug: lower-case letters, digits and hyphens, at most 100 characters.
    static func pluginSlugProblem(_ slug: String) -> String? {
        if slug.isEmpty { return "is required" }
        if slug.utf8.count > 100 { return "must be at most 100 characters" }
        let valid = slug.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        if !valid || slug.hasPrefix("-") { return "must be a wordpress.org plugin slug such as woocommerce-payments" }
        if slug == "woocommerce" { return "WooCommerce is managed by woocommerceVersion" }
        return nil
    }

    /// Validates a host name to add or remove.
    public static func validateDomain(_ domain: String?) throws(ProvisioningError) -> String {
        let normalized = (domain ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        if let problem = StoreSpec.hostNameProblem(normalized) {
            throw .validation([FieldError(field: "domain", message: problem)])
        }
        return normalized
    }

    /// Why the store cannot go from `from` to `to` (each problem with its field), or nothing.
    static func transitionProblems(from: StoreConfig, to: StoreConfig) -> [FieldError] {
        var errors: [FieldError] = []
        if to.plan.rank < from.plan.rank {
            errors.append(
                FieldError(
                    field: "plan",
                    message:
                        "cannot go from \(from.plan.rawValue) to \(to.plan.rawValue): a plan's volumes can grow, never shrink"))
        }
        // An unpinned version is the chart's: going below it is going back too.
        for (field, old, new) in [
            ("wordpressVersion", from.effectiveWordPressVersion, to.effectiveWordPressVersion),
            ("woocommerceVersion", from.effectiveWooCommerceVersion, to.effectiveWooCommerceVersion),
        ] {
            if let old = DottedVersion(old), let new = DottedVersion(new), new < old {
                errors.append(
                    FieldError(
                        field: field,
                        message: "cannot go back from \(old) to \(new): the database was migrated; restore a backup instead"))
            }
        }
        if to.extraDomains.count > extraDomainLimit {
            errors.append(FieldError(field: "domain", message: "a store may have at most \(extraDomainLimit) extra domains"))
        }
        return errors
    }
}
