import Cluster
import Foundation
import Provisioning
import Testing

/// The certificate step of a domain change: cert-manager's Certificate watched until Ready
/// (its messages said while it waits), or nothing to watch when the chart values turn no
/// cert-manager issuer on.
@Suite(.timeLimit(.minutes(1))) struct KubernetesCertificateTests {
    @Test func theChartValuesSayWhetherCertManagerIssuesTheCertificate() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-tls-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ingress = directory + "/ingress.yaml"
        let tls = directory + "/tls.yaml"
        let off = directory + "/off.yaml"
        try "ingress:\n  enabled: true\n  className: nginx\n".write(toFile: ingress, atomically: true, encoding: .utf8)
        try "ingress:\n  tls:\n    enabled: true\n    clusterIssuer: letsencrypt\n".write(toFile: tls, atomically: true, encoding: .utf8)
        try "ingress:\n  tls:\n    enabled: false\n".write(toFile: off, atomically: true, encoding: .utf8)
        #expect(try ChartTLSSettings.read([]).managesCertificates == false)
        #expect(try ChartTLSSettings.read([ingress]).managesCertificates == false, "no TLS")
        #expect(try ChartTLSSettings.read([tls]).managesCertificates == false, "no Ingress")
        let both = try ChartTLSSettings.read([ingress, tls])
        #expect(both.managesCertificates)
        #expect(both.clusterIssuer == "letsencrypt")
        #expect(try ChartTLSSettings.read([ingress, tls, off]).managesCertificates == false, "a later file wins")
    }

    @Test func theCertificateStepWaitsForReady() async throws {
        try await KubeTestServer.with { server in
            try await server.withCluster(helm: try HelmStandIn(server: server), managesCertificates: true) { cluster in
                let base = testTarget()
                let target = StoreTarget(
                    id: base.id, spec: base.spec, config: StoreConfig(name: "Test Shop", plan: .small, extraDomains: ["www.example.com"]))
                _ = try await cluster.run(.namespace, for: target)
                let name = "\(target.release)-tls"
                await server.state.create(
                    "certificates", target.namespace,
                    [
                        "apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": ["name": .string(name)],
                        "spec": ["secretName": .string(name), "dnsNames": ["shop.example.com", "www.example.com"]],
                        "status": ["conditions": [["type": "Ready", "status": "False", "message": "Issuing certificate as Secret does not exist"]]],
                    ])
                let waiting = Task { try await cluster.change(.certificate, for: target) }
                try await Task.sleep(for: .milliseconds(400))
                await server.state.update("certificates", target.namespace, name) { certificate in
                    certificate.set("status", "conditions", to: [["type": "Ready", "status": "True", "message": "Certificate is up to date"]])
                    certificate.set("status", "notAfter", to: "2027-03-01T00:00:00Z")
                }
                let details = try await waiting.value
                #expect(details["dnsNames"] == "shop.example.com, www.example.com", "\(details)")
                #expect(details["notAfter"] == "2027-03-01T00:00:00Z")
            }
            // Without an issuer in the chart values there is nothing to wait for.
            try await server.withCluster(helm: try HelmStandIn(server: server)) { cluster in
                let target = testTarget()
                _ = try await cluster.run(.namespace, for: target)
                let details = try await cluster.change(.certificate, for: target)
                #expect(details["certificate"]?.contains("no cert-manager issuer") == true, "\(details)")
            }
        }
    }
}
