import EventStore
import Provisioning

/// Urumi's rights inside a store namespace, granted by the namespace step itself: a RoleBinding
/// `urumi` there to a ClusterRole (`--store-cluster-role`, `urumi-store` in k8s/rbac.yaml) for
/// Urumi's own identity. Urumi then needs, cluster-wide, only namespaces and the right to bind
/// that one role; it holds the chart's permissions (Secrets, workloads) in store namespaces
/// alone, never in kube-system or anywhere else.
public struct StoreAccess: Sendable, Hashable {
    /// Who Urumi is to the API server (from a SelfSubjectReview).
    public enum Subject: Sendable, Hashable, CustomStringConvertible {
        case serviceAccount(namespace: String, name: String)
        case user(String)

        /// `system:serviceaccount:<namespace>:<name>` is a ServiceAccount; anything else a User.
        public init(username: String) {
            let parts = username.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 4, parts[0] == "system", parts[1] == "serviceaccount", !parts[2].isEmpty, !parts[3].isEmpty {
                self = .serviceAccount(namespace: parts[2], name: parts[3])
            } else {
                self = .user(username)
            }
        }

        public var description: String {
            switch self {
            case .serviceAccount(let namespace, let name): "ServiceAccount \(namespace)/\(name)"
            case .user(let name): "User \(name)"
            }
        }

        var json: JSONValue {
            switch self {
            case .serviceAccount(let namespace, let name):
                ["kind": "ServiceAccount", "name": .string(name), "namespace": .string(namespace)]
            case .user(let name):
                ["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": .string(name)]
            }
        }
    }

    public static let bindingName = "urumi"

    public let clusterRole: String
    public let subject: Subject

    public init(clusterRole: String, subject: Subject) {
        self.clusterRole = clusterRole
        self.subject = subject
    }

    /// Asks the API server who these credentials are (`SelfSubjectReview`, Kubernetes 1.28+).
    public static func discover(clusterRole: String, client: KubernetesClient) async throws -> StoreAccess {
        let review: JSONValue = ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"]
        let answer: JSONValue
        do {
            answer = try await client.send(
                .POST, "/apis/authentication.k8s.io/v1/selfsubjectreviews", body: review, operation: "ask who Urumi is (SelfSubjectReview)")
        } catch let error as KubernetesAPIError {
            throw KubernetesErrorClassifier.classify(error)
        }
        guard let username = answer[path: "status", "userInfo", "username"]?.string, !username.isEmpty else {
            throw ClusterError.permanent("the API server's SelfSubjectReview named no user")
        }
        return StoreAccess(clusterRole: clusterRole, subject: Subject(username: username))
    }

    func binding(in namespace: String, storeID: String) -> JSONValue {
        [
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": [
                "name": .string(Self.bindingName),
                "namespace": .string(namespace),
                "labels": .object([NamespaceManifest.managedByLabel: "urumi", NamespaceManifest.storeIDLabel: .string(storeID)]),
            ],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(clusterRole)],
            "subjects": [subject.json],
        ]
    }

    /// Creates the RoleBinding (an existing one must grant the same role to the same subject:
    /// a roleRef cannot change), then waits until the API server's authorizer applies it, so
    /// that the helm step does not meet a 403 that a moment later would not be there.
    func grant(in namespace: String, storeID: String, client: KubernetesClient) async throws {
        let path = "/apis/rbac.authorization.k8s.io/v1/namespaces/\(namespace)/rolebindings"
        let wanted = binding(in: namespace, storeID: storeID)
        do {
            _ = try await client.send(.POST, path, body: wanted, operation: "create RoleBinding \(Self.bindingName) in \(namespace)")
        } catch let error as KubernetesAPIError where error.code == 409 {
            let existing: JSONValue
            do {
                existing = try await client.send(
                    .GET, "\(path)/\(Self.bindingName)", operation: "read RoleBinding \(Self.bindingName) in \(namespace)")
            } catch let error as KubernetesAPIError {
                throw KubernetesErrorClassifier.classify(error)
            }
            guard existing["roleRef"] == wanted["roleRef"], existing["subjects"] == wanted["subjects"] else {
                throw ClusterError.permanent(
                    "RoleBinding \(Self.bindingName) in \(namespace) exists but does not bind ClusterRole \(clusterRole) to \(subject)")
            }
        } catch let error as KubernetesAPIError {
            throw KubernetesErrorClassifier.classify(error)
        }
        try await waitUntilApplied(in: namespace, client: client)
    }

    /// Rechecks of a new RoleBinding: 100 ms doubling to 1 s.
    static let recheck = Backoff(baseDelay: .milliseconds(100), maxDelay: .seconds(1))

    /// Asks a few times whether Urumi may create Secrets there (what helm needs first); RBAC
    /// changes usually apply within milliseconds.
    private func waitUntilApplied(in namespace: String, client: KubernetesClient) async throws {
        for attempt in 0..<20 {
            if try await client.mayI("create", "secrets", in: namespace) { return }
            try await Self.recheck.delay(afterAttempt: attempt + 1).sleep()
        }
        throw ClusterError.transient(
            "RoleBinding \(Self.bindingName) in \(namespace) does not let \(subject) create Secrets yet: is ClusterRole \(clusterRole) there (k8s/rbac.yaml)?")
    }
}
