import Provisioning

extension KubernetesClient {
    /// Whether these credentials may `verb` `resource` (in `namespace`, or cluster-wide), as
    /// the API server's authorizer says now (a SelfSubjectAccessReview, which anyone may ask).
    /// API errors are classified for the saga.
    func mayI(_ verb: String, _ resource: String, in namespace: String? = nil) async throws -> Bool {
        var attributes: [String: JSONValue] = ["verb": .string(verb), "resource": .string(resource)]
        if let namespace { attributes["namespace"] = .string(namespace) }
        let review: JSONValue = [
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": ["resourceAttributes": .object(attributes)],
        ]
        let where_ = namespace.map { " in \($0)" } ?? ""
        do {
            let answer = try await send(
                .POST, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: review,
                operation: "ask whether Urumi may \(verb) \(resource)\(where_) (SelfSubjectAccessReview)")
            return answer[path: "status", "allowed"]?.bool == true
        } catch let error as KubernetesAPIError {
            throw KubernetesErrorClassifier.classify(error)
        }
    }
}
