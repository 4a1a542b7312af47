import Cluster
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// The request context of the test server: it keeps the connection's channel so that a
/// handler can ask which client certificate (if any) was presented.
struct KubeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The client certificate the TLS handshake verified against the test CA (nil if none).
    func clientCertificate() async -> NIOSSLCertificate? {
        let channel = self.channel
        return try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).peerCertificate
        }.get()
    }
}

/// A Kubernetes API test server over HTTPS (Hummingbird 2 + NIOSSL) with a test CA: client
/// certificates (verified when offered) and bearer tokens; discovery, namespaces, workloads,
/// pods, list + watch with bookmarks and 410 Gone, and injected faults.
final class KubeTestServer: Sendable {
    let state = KubeTestState()
    let certificates = TestCertificates.shared
    private let portBox = PortBox()

    var port: Int { portBox.port }
    var url: String { "https://127.0.0.1:\(port)" }

    /// Runs a server for the duration of `body`.
    static func with<T: Sendable>(_ body: @Sendable (KubeTestServer) async throws -> T) async throws -> T {
        let server = KubeTestServer()
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(server.certificates.serverCertificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: server.certificates.serverKey, format: .pem)))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(server.certificates.caCertificate))
        tls.certificateVerification = .optionalVerification
        var logger = Logger(label: "kube-test-server")
        logger.logLevel = .critical
        let started = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: KubeResponder(state: server.state),
            server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in started.continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await port in started.stream {
                server.portBox.port = port
                break
            }
            do {
                let value = try await body(server)
                await server.state.closeWatches()
                await group.triggerGracefulShutdown()
                tasks.cancelAll()
                return value
            } catch {
                await server.state.closeWatches()
                await group.triggerGracefulShutdown()
                tasks.cancelAll()
                throw error
            }
        }
    }
}

private final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    var port: Int {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
