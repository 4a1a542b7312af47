import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Provisioning

/// A small client of the Kubernetes REST API over HTTPS (AsyncHTTPClient): JSON requests and
/// watch streams, with the connection's CA, client certificate and bearer token. Every call
/// honours task cancellation. Call `shutdown()` once it is no longer needed.
public final class KubernetesClient: Sendable {
    public let connection: KubernetesConnection
    let http: HTTPClient
    let tokens: KubeTokenSource
    let requestTimeout: Duration

    /// `idleReadTimeout` ends a request or watch on which nothing arrived for that long (a
    /// connection dropped by a NAT or load balancer): longer than a watch's `timeoutSeconds`
    /// (240 s by default), by which a healthy server ends a quiet watch itself.
    public init(
        connection: KubernetesConnection, requestTimeout: Duration = .seconds(30), idleReadTimeout: Duration = .seconds(300),
        runner: CommandRunner = CommandRunner()
    ) throws {
        self.connection = connection
        self.requestTimeout = requestTimeout
        self.tokens = KubeTokenSource(connection.credentials, runner: runner)
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = connection.certificateAuthorityPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
            if let certificate = connection.clientCertificatePEM, let key = connection.clientKeyPEM {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            }
        } catch {
            throw KubeConfigError("the \(connection.source) has certificate material that cannot be read: \(error)")
        }
        if connection.insecureSkipTLSVerify {
            guard connection.certificateAuthorityPEM == nil else {
                // kubectl refuses this combination too: which of the two was meant?
                throw KubeConfigError("the \(connection.source) sets both a certificate authority and insecure-skip-tls-verify; keep one")
            }
            tls.certificateVerification = .none
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            timeout: .init(connect: .seconds(10), read: .nanoseconds(Int64(idleReadTimeout.components.seconds) * 1_000_000_000)),
            // Each watch holds an HTTP/1 connection for minutes: allow many per host (HTTP/2
            // servers multiplex them anyway).
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64))
        configuration.redirectConfiguration = .disallow
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends one request and returns the JSON body of a 2xx answer. Other statuses throw
    /// `KubernetesAPIError`; failing to reach the server throws a transient `ClusterError`.
    /// `timeout` bounds this request (the client's request timeout when nil).
    public func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        timeout: Duration? = nil, operation: String
    ) async throws -> JSONValue {
        let (status, bytes) = try await exchange(
            method, path, query: query, body: body, timeout: timeout ?? requestTimeout, operation: operation)
        guard (200..<300).contains(status) else {
            throw KubernetesAPIError(code: status, body: bytes, operation: operation)
        }
        guard !bytes.isEmpty else { return .null }
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw ClusterError.transient("\(operation): the API server's answer is not JSON")
        }
    }

    /// Opens a watch and calls `handle` with each event, in order, until it returns false or
    /// the server ends the stream (then it returns normally, and the caller reconnects).
    func watch(
        _ path: String, query: [(String, String)], timeout: Duration, operation: String,
        handle: (WatchEvent) async throws -> Bool
    ) async throws {
        let response = try await open(.GET, path, query: query, body: nil, timeout: timeout, operation: operation)
        guard response.status.code == 200 else {
            let bytes = try await collect(response, operation: operation)
            throw KubernetesAPIError(code: Int(response.status.code), body: bytes, operation: operation)
        }
        var pending: [UInt8] = []
        var chunks = response.body.makeAsyncIterator()
        while true {
            // Only a failure to read the stream means "reconnect"; what `handle` throws is the
            // caller's own answer and goes through untouched.
            let chunk: ByteBuffer?
            do {
                chunk = try await chunks.next()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                throw WatchInterrupted(reason: "\(error)")
            }
            guard let chunk else { return }
            pending.append(contentsOf: chunk.readableBytesView)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[..<newline]
                pending.removeSubrange(...newline)
                guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) else { continue }
                let event = try WatchEvent(line: Array(line), operation: operation)
                if try await !handle(event) { return }
            }
        }
    }

    /// One request with a body collected in memory.
    private func exchange(
        _ method: HTTPMethod, _ path: String, query: [(String, String)], body: JSONValue?, timeout: Duration,
        operation: String
    ) async throws -> (Int, [UInt8]) {
        let response = try await open(method, path, query: query, body: body, timeout: timeout, operation: operation)
        return (Int(response.status.code), try await collect(response, operation: operation))
    }

    private func collect(_ response: HTTPClientResponse, operation: String) async throws -> [UInt8] {
        do {
            let buffer = try await response.body.collect(upTo: 16 << 20)
            return Array(buffer.readableBytesView)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw KubernetesErrorClassifier.unreachable(connection.server, error, operation: operation)
        }
    }

    /// Sends the request with the current token; after a 401 with a renewable credential
    /// (exec plugin, token file) it renews the token and tries once more.
    private func open(
        _ method: HTTPMethod, _ path: String, query: [(String, String)], body: JSONValue?, timeout: Duration,
        operation: String
    ) async throws -> HTTPClientResponse {
        var renewed = false
        while true {
            var request = HTTPClientRequest(url: connection.server + path + Self.encode(query))
            request.method = method
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "User-Agent", value: "urumi")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body.encoded()))
            }
            if let token = try await tokens.token() {
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
            }
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.nanoseconds)), logger: nil)
            } catch {
                if Task.isCancelled { throw CancellationError() }
                throw KubernetesErrorClassifier.unreachable(connection.server, error, operation: operation)
            }
            if response.status.code == 401, !renewed, connection.credentials.isRenewable {
                renewed = true
                _ = try? await response.body.collect(upTo: 1 << 20)
                await tokens.invalidate()
                continue
            }
            return response
        }
    }

    /// `?a=b&c=d`, percent-encoded (label selectors contain `=` and `,`).
    static func encode(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+,;/?:@")
        return "?" + query.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }
}

extension KubeCredentials {
    var isRenewable: Bool {
        switch self {
        case .exec, .tokenFile: true
        case .none, .token: false
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// A watch stream ended abnormally (connection reset, deadline); reconnecting may help.
struct WatchInterrupted: Error, Sendable {
    let reason: String
}
