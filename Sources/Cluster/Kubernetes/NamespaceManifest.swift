/// The store's namespace as Urumi creates it: Urumi's labels and the Pod Security labels the
/// store chart's README asks for (enforce baseline; warn and audit restricted, which every pod
/// of the chart meets).
enum NamespaceManifest {
    static let managedByLabel = "app.kubernetes.io/managed-by"
    static let storeIDLabel = "urumi.io/store-id"

    static func labels(storeID: String) -> [String: String] {
        [
            managedByLabel: "urumi",
            storeIDLabel: storeID,
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/warn-version": "latest",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/audit-version": "latest",
        ]
    }

    static func body(name: String, storeID: String) -> JSONValue {
        [
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": [
                "name": .string(name),
                "labels": .object(labels(storeID: storeID).mapValues { .string($0) }),
            ],
        ]
    }
}
