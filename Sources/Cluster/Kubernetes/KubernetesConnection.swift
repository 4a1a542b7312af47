import Foundation

/// Where the Kubernetes API is and how to prove who we are: resolved from a kubeconfig context
/// or from the in-cluster service account.
public struct KubernetesConnection: Sendable, Hashable {
    /// `https://host:port` (a path prefix is kept, e.g. behind a proxy).
    public var server: String
    /// PEM certificates that sign the API server's certificate; nil: the system's trust store.
    public var certificateAuthorityPEM: [UInt8]?
    /// Client certificate and key (PEM) for certificate authentication.
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    /// `insecure-skip-tls-verify`: no server certificate check (test clusters only).
    public var insecureSkipTLSVerify: Bool
    /// How a bearer token is obtained, if any.
    public var credentials: KubeCredentials
    /// Where this came from, for logs: "kubeconfig /root/.kube/config, context kind-urumi".
    public var source: String
    /// The kubeconfig file and context this was resolved from (nil in-cluster): helm is given
    /// exactly these, so that it talks to the same cluster as the REST client even if the
    /// file's current context changes later or KUBECONFIG lists several files.
    public var kubeconfigPath: String?
    public var contextName: String?

    public init(
        server: String, certificateAuthorityPEM: [UInt8]? = nil, clientCertificatePEM: [UInt8]? = nil,
        clientKeyPEM: [UInt8]? = nil, insecureSkipTLSVerify: Bool = false, credentials: KubeCredentials = .none,
        source: String, kubeconfigPath: String? = nil, contextName: String? = nil
    ) {
        self.kubeconfigPath = kubeconfigPath
        self.contextName = contextName
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.credentials = credentials
        self.source = source
    }

    /// How the client authenticates, for logs ("client certificate", "bearer token", ...).
    public var authenticationSummary: String {
        var parts: [String] = []
        if clientCertificatePEM != nil { parts.append("client certificate") }
        switch credentials {
        case .none: break
        case .token: parts.append("bearer token")
        case .tokenFile(let path): parts.append("token file \(path)")
        case .exec(let plugin): parts.append("exec plugin \(plugin.command)")
        }
        return parts.isEmpty ? "anonymous" : parts.joined(separator: " + ")
    }
}

/// Where a bearer token comes from.
public enum KubeCredentials: Sendable, Hashable {
    case none
    /// A fixed token (kubeconfig `token`).
    case token(String)
    /// A file re-read regularly (kubeconfig `tokenFile`, the in-cluster service-account token,
    /// which the kubelet rotates).
    case tokenFile(String)
    /// A client.authentication.k8s.io credential plugin.
    case exec(ExecCredentialPlugin)
}
