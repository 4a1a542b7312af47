import Cluster
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

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
/// pods, list + watch with bookmarks and 410 Gone, and injected faults. It can be taken down
/// and brought back on the same port with the same objects (`stop`, `start`): an API server
/// that went away.
final class KubeTestServer: Sendable {
    let state = KubeTestState()
    let certificates = TestCertificates.shared
    private let portBox = PortBox()
    private let running = Mutex<(group: ServiceGroup, task: Task<Void, any Error>)?>(nil)

    var port: Int { portBox.port }
    var url: String { "https://127.0.0.1:\(port)" }

    /// Runs a server for the duration of `body`.
    static func with<T: Sendable>(_ body: @Sendable (KubeTestServer) async throws -> T) async throws -> T {
        let server = KubeTestServer()
        try await server.start()
        do {
            let value = try await body(server)
            await server.stop()
            return value
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Starts serving: on a free port the first time, then on the same one again.
    func start() async throws {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.serverCertificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.serverKey, format: .pem)))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates.caCertificate))
        tls.certificateVerification = .optionalVerification
        var logger = Logger(label: "kube-test-server")
        logger.logLevel = .critical
        let started = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: KubeResponder(state: state),
            server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in started.continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task {
            defer { started.continuation.finish() }
            try await group.run()
        }
        running.withLock { $0 = (group, task) }
        for await port in started.stream {
            portBox.port = port
            return
        }
        try await task.value
        throw CancellationError()
    }

    /// Takes the server down: its watches end, its connections close, and connecting is
    /// refused until `start`.
    func stop() async {
        guard let current = running.withLock({ value in defer { value = nil }; return value }) else { return }
        await state.closeWatches()
        await current.group.triggerGracefulShutdown()
        current.task.cancel()
        _ = await current.task.result
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
