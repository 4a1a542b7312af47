import Provisioning

/// The namespace operations of the saga: create (idempotent), check, delete and wait until gone.
struct KubernetesNamespaces: Sendable {
    let client: KubernetesClient
    let watchSeconds: Int

    private static let collection = "/api/v1/namespaces"

    /// Creates `name` for `storeID`. An existing namespace is success when it carries our
    /// store-id label; one that is still being deleted is a transient error (retry later).
    func ensure(_ name: String, storeID: String) async throws -> [String: String] {
        do {
            _ = try await client.send(
                .POST, Self.collection, body: NamespaceManifest.body(name: name, storeID: storeID),
                operation: "create namespace \(name)")
            return ["namespace": name, "created": "true"]
        } catch let error as KubernetesAPIError where error.code == 409 {
            guard let existing = try await get(name) else {
                // Deleted between our create and our read: it was terminating. Next attempt.
                throw ClusterError.transient("namespace \(name) was being deleted; it can be created again once it is gone")
            }
            try Self.checkOwned(existing, name: name, storeID: storeID)
            if existing[path: "status", "phase"]?.string == "Terminating" {
                throw ClusterError.transient("namespace \(name) is still being deleted (Terminating); it can be created again once it is gone")
            }
            return ["namespace": name, "created": "false"]
        } catch let error as KubernetesAPIError {
            throw KubernetesErrorClassifier.classify(error)
        }
    }

    /// The namespace, or nil when it does not exist.
    func get(_ name: String) async throws -> JSONValue? {
        do {
            return try await client.send(.GET, "\(Self.collection)/\(name)", operation: "read namespace \(name)")
        } catch let error as KubernetesAPIError where error.code == 404 {
            return nil
        } catch let error as KubernetesAPIError {
            throw KubernetesErrorClassifier.classify(error)
        }
    }

    /// Throws a permanent error unless the namespace exists, is ours and is not terminating.
    func requireActive(_ name: String, storeID: String) async throws {
        guard let namespace = try await get(name) else {
            throw ClusterError.permanent("namespace \(name) does not exist")
        }
        try Self.checkOwned(namespace, name: name, storeID: storeID)
        if namespace[path: "status", "phase"]?.string == "Terminating" {
            throw ClusterError.permanent("namespace \(name) is being deleted")
        }
    }

    /// Deletes the namespace (only if it is this store's) and waits until it is gone. A namespace
    /// already being deleted (a repeated undo: after a crash, a takeover, a retry) is only
    /// waited for: the API server answers a second DELETE with 409 until its content is gone.
    func delete(_ name: String, storeID: String) async throws {
        if let existing = try await get(name) {
            try Self.checkOwned(existing, name: name, storeID: storeID)
            if Self.isTerminating(existing) {
                try await waitGone(name)
                return
            }
            var options: JSONValue = ["apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"]
            // Preconditions: delete exactly the namespace we checked, not one recreated since.
            if let uid = existing[path: "metadata", "uid"]?.string, case .object(var members) = options {
                members["preconditions"] = ["uid": .string(uid)]
                options = .object(members)
            }
            do {
                _ = try await client.send(
                    .DELETE, "\(Self.collection)/\(name)", body: options, operation: "delete namespace \(name)")
            } catch let error as KubernetesAPIError where error.code == 404 {
                return
            } catch let error as KubernetesAPIError where error.code == 409 {
                // Deleted meanwhile (409 "ensuring all content is removed"), or the uid
                // precondition failed because another namespace of that name exists now.
                guard let now = try await get(name) else { return }
                guard now[path: "metadata", "uid"] == existing[path: "metadata", "uid"], Self.isTerminating(now) else {
                    throw ClusterError.transient("namespace \(name) changed while it was being deleted")
                }
            } catch let error as KubernetesAPIError {
                throw KubernetesErrorClassifier.classify(error)
            }
        }
        try await waitGone(name)
    }

    /// Watches the namespace until it is gone (404 / DELETED).
    func waitGone(_ name: String) async throws {
        struct Gone: Error {}
        do {
            try await client.follow(
                .named(name, in: Self.collection, kind: "Namespace"), watchSeconds: watchSeconds
            ) { objects in
                if objects[name] == nil { throw Gone() }
            }
        } catch is Gone {
            return
        }
    }

    static func isTerminating(_ namespace: JSONValue) -> Bool {
        namespace[path: "metadata", "deletionTimestamp"] != nil || namespace[path: "status", "phase"]?.string == "Terminating"
    }

    /// A namespace of that name that Urumi did not create for this store is never touched.
    static func checkOwned(_ namespace: JSONValue, name: String, storeID: String) throws {
        let label = namespace[path: "metadata", "labels", NamespaceManifest.storeIDLabel]?.string
        guard label == storeID else {
            throw ClusterError.permanent(
                "namespace \(name) exists but does not belong to this store (label \(NamespaceManifest.storeIDLabel) is \(label ?? "missing")); Urumi leaves it alone"
            )
        }
    }
}
