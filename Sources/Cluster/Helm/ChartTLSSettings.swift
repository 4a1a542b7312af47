import Foundation
import Yams

/// What the platform's chart values say about TLS: whether the store's Ingress gets a
/// certificate from cert-manager (`ingress.enabled`, `ingress.tls.enabled` and an issuer or
/// cluster issuer). Then the certificate step of a domain change waits for it; otherwise the
/// step has nothing to watch. Later files win, key by key, as with helm's `--values`.
public struct ChartTLSSettings: Sendable, Hashable {
    public var ingressEnabled = false
    public var tlsEnabled = false
    public var issuer = ""
    public var clusterIssuer = ""

    public init() {}

    /// True when cert-manager issues the store's certificate.
    public var managesCertificates: Bool { ingressEnabled && tlsEnabled && !(issuer.isEmpty && clusterIssuer.isEmpty) }

    /// Reads the TLS settings from `files` (YAML), later files overriding earlier ones.
    public static func read(_ files: [String]) throws -> ChartTLSSettings {
        var settings = ChartTLSSettings()
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            guard let root = try Yams.load(yaml: text) as? [String: Any], let ingress = root["ingress"] as? [String: Any]
            else { continue }
            if let enabled = ingress["enabled"] as? Bool { settings.ingressEnabled = enabled }
            guard let tls = ingress["tls"] as? [String: Any] else { continue }
            if let enabled = tls["enabled"] as? Bool { settings.tlsEnabled = enabled }
            if let issuer = tls["issuer"] as? String { settings.issuer = issuer }
            if let clusterIssuer = tls["clusterIssuer"] as? String { settings.clusterIssuer = clusterIssuer }
        }
        return settings
    }
}
