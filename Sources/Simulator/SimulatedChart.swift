import Foundation
import Provisioning

/// What the simulated store chart renders, and its values as drift detection reads them.
public enum SimulatedChart {
    /// The objects ("Kind/name") the chart renders for a release with these values: like
    /// `helm/store`, MySQL and WordPress with their Services and volume claims, the credentials
    /// Secret and the Ingress; the maintenance Deployment while suspended.
    public static func objects(release: String, suspended: Bool) -> [String] {
        var objects = [
            "Secret/\(release)-credentials",
            "StatefulSet/\(release)-mysql", "Service/\(release)-mysql", "PersistentVolumeClaim/\(release)-mysql",
            "Deployment/\(release)-wordpress", "Service/\(release)-wordpress", "PersistentVolumeClaim/\(release)-wordpress",
            "Ingress/\(release)",
        ]
        if suspended { objects.append("Deployment/\(release)-maintenance") }
        return objects
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
