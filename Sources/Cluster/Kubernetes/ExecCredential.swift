import Foundation
import Provisioning

/// The answer of a credential plugin: `{"apiVersion": "client.authentication.k8s.io/v1",
/// "kind": "ExecCredential", "status": {"token": "...", "expirationTimestamp": "RFC 3339"}}`.
struct ExecCredential: Sendable, Hashable {
    var token: String
    var expiration: Date?

    static func parse(_ text: String, expectedAPIVersion: String) throws -> ExecCredential {
        guard let json = try? JSONValue.parse(Data(text.utf8)) else {
            throw ClusterError.permanent("the credential plugin did not print an ExecCredential (not JSON)")
        }
        guard json["kind"]?.string == "ExecCredential" else {
            throw ClusterError.permanent("the credential plugin printed kind \(json["kind"]?.string ?? "none"), not ExecCredential")
        }
        if let version = json["apiVersion"]?.string, version != expectedAPIVersion {
            throw ClusterError.permanent(
                "the credential plugin answered \(version) but the kubeconfig asked for \(expectedAPIVersion)")
        }
        guard let token = json[path: "status", "token"]?.string, !token.isEmpty else {
            throw ClusterError.permanent(
                "the credential plugin's ExecCredential has no status.token (client certificates from plugins are not supported)")
        }
        var expiration: Date?
        if let text = json[path: "status", "expirationTimestamp"]?.string {
            guard let date = RFC3339.parse(text) else {
                throw ClusterError.permanent("the credential plugin's expirationTimestamp is not RFC 3339: \(text)")
            }
            expiration = date
        }
        return ExecCredential(token: token, expiration: expiration)
    }
}

/// RFC 3339 timestamps as Kubernetes writes them (with or without fractional seconds).
enum RFC3339 {
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
