import Foundation
import Provisioning

/// What the simulated store chart renders, and its values as drift detection reads them.
public enum SimulatedChart {
    /// What the simulated platform's chart values turn on: the Ingress, as a cluster with an
    /// ingress controller would; no backup or canary CronJobs (the simulator runs both itself).
    public static let features = StoreChartObjects.Features(ingress: true)

    /// The objects ("Kind/name") the chart renders for a release with these values: the same
    /// list the Kubernetes driver checks (`StoreChartObjects`), named after the release.
    public static func objects(release: String, suspended: Bool) -> [String] {
        StoreChartObjects.objects(fullname: release, suspended: suspended, features: features).map(\.description)
    }

    /// A revision's values (the store's config as a JSON object) by top-level key, each a
    /// string as is, anything else as canonical JSON.
    public static func flatten(_ values: String) throws -> [String: String] {
        guard let object = try JSONSerialization.jsonObject(with: Data(values.utf8)) as? [String: Any] else {
            throw ClusterError.permanent("the release's values are not a JSON object")
        }
        var flat: [String: String] = [:]
        for (key, value) in object {
            if let text = value as? String {
                flat[key] = text
            } else {
                let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
                flat[key] = String(decoding: data, as: UTF8.self)
            }
        }
        return flat
    }

    /// Whether a revision's values suspend the store.
    static func suspended(_ values: String) -> Bool {
        let object = (try? JSONSerialization.jsonObject(with: Data(values.utf8))) as? [String: Any]
        return object?["suspended"] as? Bool ?? false
    }
}
