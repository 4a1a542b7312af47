import Foundation
import Provisioning
import Yams

/// Reads the values Urumi sets out of a release's values, in the form drift detection
/// compares: by path, strings as they are, anything else as canonical JSON. Only the paths
/// Urumi owns are read: the platform's `--values` files set others, which are not the
/// store's config. The admin e-mail is personal data: neither read nor compared.
public enum ChartValuesReader {
    /// The paths of `StoreChartValues` that are compared.
    public static let ownedPaths: [[String]] = [
        ["storeName"], ["domain"], ["plan"], ["storeId"], ["suspended"], ["extraDomains"], ["plugins"],
        ["wordpress", "version"], ["woocommerce", "version"],
    ]

    /// The owned values of a values document (YAML, as `helm get values -o yaml` prints it).
    public static func owned(_ yaml: String) throws -> [String: String] {
        let document: Any?
        do {
            document = try Yams.load(yaml: yaml)
        } catch {
            throw ClusterError.transient("the release's values are not YAML: \(error)")
        }
        let root = document as? [String: Any] ?? [:]
        var found: [String: String] = [:]
        for path in ownedPaths {
            var node: Any? = root
            for key in path { node = (node as? [String: Any])?[key] }
            if let node, !(node is NSNull), let text = render(node) { found[path.joined(separator: ".")] = text }
        }
        return found
    }

    /// The owned values Urumi deploys for `target` (its values written as the values file is,
    /// then read back as above, so both sides go through the same YAML).
    public static func expected(_ values: StoreChartValues) throws -> [String: String] {
        try owned(try YAMLEncoder().encode(values))
    }

    static func render(_ value: Any) -> String? {
        switch value {
        case let text as String: return text
        case let flag as Bool: return flag ? "true" : "false"
        default:
            guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else {
                return "\(value)"
            }
            return String(decoding: data, as: UTF8.self)
        }
    }
}
