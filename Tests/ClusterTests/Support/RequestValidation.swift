import Cluster
import Foundation

/// Strict checks of the request bodies the client sends, as the API server would make them
/// (required fields, no unknown fields, label syntax). Where `kubernetes-validate` is installed
/// the bodies are also checked against the real schemas (see `KubernetesSchemaValidator`).
enum RequestValidation {
    static func namespace(_ object: JSONValue) -> [String] {
        var problems: [String] = []
        problems += unknownFields(object, allowed: ["apiVersion", "kind", "metadata", "spec"], at: "")
        if object["apiVersion"]?.string != "v1" { problems.append("apiVersion must be v1") }
        if object["kind"]?.string != "Namespace" { problems.append("kind must be Namespace") }
        let metadata = object["metadata"] ?? .null
        problems += unknownFields(metadata, allowed: ["name", "labels", "annotations"], at: "metadata.")
        let name = metadata["name"]?.string ?? ""
        if !isDNSLabel(name) { problems.append("metadata.name \(name) is not a DNS-1123 label") }
        for (key, value) in metadata["labels"]?.object ?? [:] {
            if !isLabelKey(key) { problems.append("label key \(key) is invalid") }
            guard let text = value.string, isLabelValue(text) else {
                problems.append("label \(key) has an invalid value")
                continue
            }
        }
        return problems
    }

    static func deleteOptions(_ object: JSONValue) -> [String] {
        var problems = unknownFields(
            object, allowed: ["apiVersion", "kind", "propagationPolicy", "preconditions", "gracePeriodSeconds", "dryRun"], at: "")
        if let kind = object["kind"]?.string, kind != "DeleteOptions" { problems.append("kind must be DeleteOptions") }
        if let policy = object["propagationPolicy"]?.string, !["Orphan", "Background", "Foreground"].contains(policy) {
            problems.append("propagationPolicy \(policy) is not one of Orphan, Background, Foreground")
        }
        problems += unknownFields(object["preconditions"] ?? .object([:]), allowed: ["uid", "resourceVersion"], at: "preconditions.")
        return problems
    }

    private static func unknownFields(_ object: JSONValue, allowed: Set<String>, at prefix: String) -> [String] {
        guard let members = object.object else { return object == .null ? [] : ["\(prefix) must be an object"] }
        return members.keys.filter { !allowed.contains($0) }.sorted().map { "unknown field \(prefix)\($0)" }
    }

    static func isDNSLabel(_ text: String) -> Bool {
        text.count <= 63 && text.range(of: #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"#, options: .regularExpression) != nil
    }

    static func isLabelValue(_ text: String) -> Bool {
        text.count <= 63 && (text.isEmpty || text.range(of: #"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"#, options: .regularExpression) != nil)
    }

    static func isLabelKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.last, !name.isEmpty, isLabelValue(String(name)) else { return false }
        if parts.count == 2 {
            let prefix = String(parts[0])
            return prefix.count <= 253 && prefix.split(separator: ".").allSatisfy { isDNSLabel(String($0)) }
        }
        return true
    }
}
