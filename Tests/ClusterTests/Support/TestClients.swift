import Cluster
import Foundation
import Logging
import Provisioning

/// How a test client proves who it is to the test server.
enum TestAuth {
    case certificate
    case token(String)
    case rogueCertificate
    case anonymous
}

extension KubeTestServer {
    /// A connection to this server, trusting the test CA.
    func connection(_ auth: TestAuth = .certificate) -> KubernetesConnection {
        let c = certificates
        func bytes(_ path: String) -> [UInt8] { Array(c.contents(path).utf8) }
        switch auth {
        case .certificate:
            return KubernetesConnection(
                server: url, certificateAuthorityPEM: bytes(c.caCertificate), clientCertificatePEM: bytes(c.clientCertificate),
                clientKeyPEM: bytes(c.clientKey), source: "test")
        case .token(let token):
            return KubernetesConnection(server: url, certificateAuthorityPEM: bytes(c.caCertificate), credentials: .token(token), source: "test")
        case .rogueCertificate:
            return KubernetesConnection(
                server: url, certificateAuthorityPEM: bytes(c.caCertificate), clientCertificatePEM: bytes(c.rogueCertificate),
                clientKeyPEM: bytes(c.rogueKey), source: "test")
        case .anonymous:
            return KubernetesConnection(server: url, certificateAuthorityPEM: bytes(c.caCertificate), source: "test")
        }
    }

    /// Runs `body` with a client of this server, shut down afterwards.
    func withClient<T>(_ auth: TestAuth = .certificate, _ body: (KubernetesClient) async throws -> T) async throws -> T {
        try await withClient(connection(auth), body)
    }

    func withClient<T>(_ connection: KubernetesConnection, _ body: (KubernetesClient) async throws -> T) async throws -> T {
        let client = try KubernetesClient(connection: connection, requestTimeout: .seconds(10))
        do {
            let value = try await body(client)
            await client.shutdown()
            return value
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// A Kubernetes driver on this server with a helm stand-in; shut down afterwards.
    func withCluster<T>(
        helm: HelmStandIn, readiness: ReadinessSettings = ReadinessSettings(imagePullGrace: .seconds(1), watchSeconds: 5),
        managesCertificates: Bool = false, _ body: (KubernetesCluster) async throws -> T
    ) async throws -> T {
        try await withClient { client in
            let cli = HelmCLI(
                settings: HelmSettings(executable: helm.executable, chartDirectory: "/charts/store", installTimeout: .seconds(20)),
                runner: CommandRunner(killGrace: .milliseconds(500)), logger: testLogger)
            return try await body(
                KubernetesCluster(
                    client: client, helm: cli, readiness: readiness, managesCertificates: managesCertificates,
                    logger: testLogger))
        }
    }
}

let testLogger: Logger = {
    var logger = Logger(label: "cluster-test")
    logger.logLevel = .critical
    return logger
}()

/// A store target with a fresh id.
func testTarget(plan: Plan = .small) -> StoreTarget {
    StoreTarget(id: StoreID(), spec: StoreSpec(name: "Test Shop", domain: "shop.example.com", adminEmail: "owner@example.com", plan: plan))
}

/// The ClusterError `body` throws (nil if it throws none or another error).
func clusterError(_ body: () async throws -> Void) async -> ClusterError? {
    do {
        try await body()
        return nil
    } catch let error as ClusterError {
        return error
    } catch {
        return ClusterError.transient("not a ClusterError: \(error)")
    }
}
