import EventStore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One server-sent event as a client sees it.
struct SSEEvent: Sendable, Equatable {
    var id: String?
    var event: String?
    var data: String

    /// The JSON object in `data` (empty when it is not one).
    var json: [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any]) ?? [:]
    }
}

/// Everything an SSE stream carries, in arrival order.
enum SSEItem: Sendable, Equatable {
    case event(SSEEvent)
    case comment(String)
    case retry(Int)
}

/// A server-sent-event client on a plain POSIX socket: one HTTP/1.1 GET, the response head,
/// then the (chunked) body parsed line by line as the SSE format says.
///
/// Nothing is read until `startReading()`: a client that never calls it is a client that
/// never reads (its socket buffers fill and the server's writes block). Reading happens on a
/// thread of its own (blocking `recv`, never on Swift's cooperative pool); tests observe the
/// stream with `wait(...)`, which wakes on every chunk and fails after a deadline.
final class SSEClient: Sendable {
    struct State: Sendable {
        var status: Int?
        /// Response headers, names lowercased.
        var headers: [String: String] = [:]
        var items: [(item: SSEItem, at: ContinuousClock.Instant)] = []
        var events: [SSEEvent] = []
        /// The body of a response that is not an event stream (a problem, say).
        var body: [UInt8] = []
        /// The connection ended (end of body, EOF, error or `close()`).
        var ended = false
        /// The body ended as HTTP says it should (the last chunk), not by a dropped connection.
        var endedCleanly = false
        var failure: String?
        var firstBodyByteAt: ContinuousClock.Instant?

        var lastEventID: String? { events.last?.id }
        var comments: [(text: String, at: ContinuousClock.Instant)] {
            items.compactMap { if case .comment(let text) = $0.item { (text, $0.at) } else { nil } }
        }
        var json: [String: Any] {
            ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]) ?? [:]
        }
    }

    let port: Int
    let path: String
    let connectedAt: ContinuousClock.Instant
    private let fd: Int32
    private let state = Mutex(State())
    private let changed = WakeSignal()
    /// Who closes the descriptor: the reader thread once started, `close()` otherwise.
    private let lifecycle = Mutex((reading: false, closed: false))

    /// Connects to 127.0.0.1:`port` and sends `GET path`. `receiveBuffer` shrinks the socket's
    /// receive buffer (set before connecting, so the advertised window is small too).
    init(port: Int, path: String, headers: [String: String] = [:], receiveBuffer: Int? = nil) throws {
        self.port = port
        self.path = path
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProcessFailure.failed("socket: errno \(errno)") }
        if var size = receiveBuffer.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(fd)
            throw ProcessFailure.failed("connect to port \(port): errno \(code)")
        }
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        var bytes = Array(request.utf8)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else {
                Glibc.close(fd)
                throw ProcessFailure.failed("send: errno \(errno)")
            }
            bytes = bytes.dropFirst(sent)
        }
        self.fd = fd
        connectedAt = .now
    }

    /// Connects and starts reading at once.
    static func open(port: Int, path: String, headers: [String: String] = [:]) throws -> SSEClient {
        let client = try SSEClient(port: port, path: path, headers: headers)
        client.startReading()
        return client
    }

    /// Starts the reader thread (once).
    func startReading() {
        let start = lifecycle.withLock { state -> Bool in
            guard !state.reading, !state.closed else { return false }
            state.reading = true
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in readLoop() }
        thread.name = "sse-client-\(port)"
        thread.start()
    }

    /// Drops the connection (the server notices at its next write).
    func close() {
        let closeHere = lifecycle.withLock { state -> Bool in
            defer { state.closed = true }
            return !state.closed && !state.reading
        }
        shutdown(fd, Int32(SHUT_RDWR))
        if closeHere {
            Glibc.close(fd)
            finish(clean: false, failure: nil)
        }
    }

    deinit {
        close()
    }

    /// A copy of what arrived so far.
    var snapshot: State { state.withLock { $0 } }

    /// Waits until `check` returns a value (it runs under the lock on each change), or throws
    /// after `timeout` saying what it waited for.
    func wait<T: Sendable>(
        _ what: String, timeout: Duration = .seconds(30), _ check: (borrowing State) -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            let seen = changed.generation
            if let value = state.withLock({ check($0) }) { return value }
            let now = ContinuousClock.now
            if now >= deadline {
                let summary = state.withLock { state in
                    "status \(state.status.map(String.init) ?? "none"), \(state.events.count) events "
                        + "(last \(state.lastEventID ?? "none")), ended \(state.ended), failure \(state.failure ?? "none")"
                }
                throw ProcessFailure.failed("timed out after \(timeout) waiting for \(what) on \(path): \(summary)")
            }
            await changed.wait(after: seen, timeout: min(deadline - now, .seconds(1)), clock: ContinuousClock())
        }
    }

    /// Waits for the response head; returns the status.
    @discardableResult
    func waitForHead(timeout: Duration = .seconds(10)) async throws -> Int {
        try await wait("the response head", timeout: timeout) { $0.status ?? ($0.ended ? -1 : nil) }
    }

    /// Waits until an event with this id arrived; returns every event so far.
    func waitForEvent(id: String, timeout: Duration = .seconds(60)) async throws -> [SSEEvent] {
        try await wait("event \(id)", timeout: timeout) { state in
            state.events.contains { $0.id == id } ? state.events : nil
        }
    }

    /// Waits until at least `count` events arrived; returns them all.
    func waitForEvents(atLeast count: Int, timeout: Duration = .seconds(60)) async throws -> [SSEEvent] {
        try await wait("\(count) events", timeout: timeout) { $0.events.count >= count ? $0.events : nil }
    }

    /// Waits for the end of the stream; returns the final state.
    func waitForEnd(timeout: Duration = .seconds(30)) async throws -> State {
        try await wait("the end of the stream", timeout: timeout) { $0.ended ? copy $0 : nil }
    }

    // MARK: Reading

    private func readLoop() {
        var parser = ResponseParser()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var clean = false
        var failure: String?
        reading: while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                if lifecycle.withLock({ !$0.closed }) { failure = "recv: errno \(errno)" }
                break
            }
            if count == 0 { break }
            let now = ContinuousClock.now
            let output = parser.feed(buffer[0..<count])
            state.withLock { state in
                if state.status == nil, let head = parser.head {
                    state.status = head.status
                    state.headers = head.headers
                }
                if !output.items.isEmpty || !output.body.isEmpty, state.firstBodyByteAt == nil {
                    state.firstBodyByteAt = now
                }
                for item in output.items {
                    state.items.append((item, now))
                    if case .event(let event) = item { state.events.append(event) }
                }
                state.body += output.body
            }
            changed.bump()
            if let error = parser.error {
                failure = error
                break reading
            }
            if parser.complete {
                clean = true
                break reading
            }
        }
        Glibc.close(fd)
        finish(clean: clean, failure: failure)
    }

    private func finish(clean: Bool, failure: String?) {
        state.withLock { state in
            guard !state.ended else { return }
            state.ended = true
            state.endedCleanly = clean
            state.failure = failure
        }
        changed.bump()
    }
}
