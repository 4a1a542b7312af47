import EventStore
import Foundation
import Logging
import Provisioning
import NIOCore
import ServiceLifecycle
import Synchronization

/// One per process: gets the log from the process's `LogFollower` and fans every event out
/// to the connected SSE clients.
///
/// Each client has a bounded queue; a client that falls `queueLimit` frames behind is cut
/// off (its stream ends; it resumes with Last-Event-ID from the log). A single timer sends
/// heartbeats to all clients, which also reveals the ones that went away.
public final class EventBroadcaster: Service, LogConsumer {
    public struct Configuration: Sendable {
        public var queueLimit: Int
        public var heartbeat: Duration

        public init(queueLimit: Int = 5_000, heartbeat: Duration = .seconds(15)) {
            self.queueLimit = queueLimit
            self.heartbeat = heartbeat
        }
    }

    enum Frame: Sendable {
        /// A batch of the log as the follower delivered it: each event with its SSE frame, and
        /// all the frames in one buffer; rendered once for every client, so a client wakes
        /// and writes once per batch, not once per event.
        case events([(RecordedEvent, ByteBuffer)], all: ByteBuffer)
        case heartbeat
    }

    struct Registration: Sendable {
        let id: Int
        /// Every event after this cursor will arrive in `frames`.
        let position: LogCursor
        let frames: AsyncStream<Frame>
    }

    private struct Client {
        let continuation: AsyncStream<Frame>.Continuation
        /// Events queued for it and not yet taken by its writer.
        var pending = 0
    }

    private struct State {
        var clients: [Int: Client] = [:]
        var nextID = 0
        var position: LogCursor?
        var closed = false
        var dropped = 0
    }

    let configuration: Configuration
    /// Opens sealed fields once per batch, for every client.
    let vault: any PersonalDataVault
    let logger: Logger
    let clock: any Clock<Duration>
    private let state = Mutex(State())
    private let started = WakeSignal()

    public init(
        configuration: Configuration = Configuration(), vault: any PersonalDataVault, clock: any Clock<Duration>, logger: Logger
    ) {
        self.configuration = configuration
        self.vault = vault
        self.clock = clock
        self.logger = logger
    }

    /// Clients connected now.
    public var clientCount: Int { state.withLock { $0.clients.count } }

    /// Clients cut off so far for falling behind.
    public var droppedClients: Int { state.withLock { $0.dropped } }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown { await self.heartbeats() }
        } onGracefulShutdown: {
            self.closeAll()
        }
        closeAll()
    }

    public func followerStarted(after cursor: LogCursor) async {
        state.withLock { state in
            if state.position == nil { state.position = cursor }
        }
        started.bump()
    }

    public func consume(_ batch: [RecordedEvent]) async {
        guard !batch.isEmpty, !state.withLock({ $0.closed }) else { return }
        // Rendered once here, not once per client: with a thousand clients the JSON is the cost.
        let keys: any PersonalKeyRing
        do {
            keys = try await vault.keyRing(for: batch)
        } catch {
            // Rendered without keys, a sealed field reads "[sealed]": never its ciphertext.
            logger.warning("could not read the stores' keys for SSE", metadata: ["error": "\(error)"])
            keys = NoPersonalKeys()
        }
        var rendered: [(RecordedEvent, ByteBuffer)] = []
        rendered.reserveCapacity(batch.count)
        var all = ByteBuffer()
        for event in batch {
            do {
                let frame = try SSEFrame.render(event, keys: keys)
                all.writeImmutableBuffer(frame)
                rendered.append((event, frame))
            } catch {
                logger.error("could not render an event for SSE", metadata: ["error": "\(error)", "type": "\(event.type)"])
            }
        }
        let frame = Frame.events(rendered, all: all)
        let last = batch[batch.count - 1].cursor
        let limit = configuration.queueLimit
        let overflowed = state.withLock { state -> Int in
            state.position = last
            var overflowed: [Int] = []
            for id in state.clients.keys {
                let pending = state.clients[id]!.pending + rendered.count
                // A client with nothing queued takes any batch (one transaction may be larger
                // than the limit); one that is behind is cut off past the limit.
                if pending > limit && state.clients[id]!.pending > 0 {
                    overflowed.append(id)
                } else {
                    state.clients[id]!.pending = pending
                    state.clients[id]!.continuation.yield(frame)
                }
            }
            for id in overflowed {
                state.clients.removeValue(forKey: id)?.continuation.finish()
                state.dropped += 1
            }
            return overflowed.count
        }
        if overflowed > 0 {
            logger.info("disconnected slow SSE clients", metadata: ["count": "\(overflowed)"])
        }
    }

    private func heartbeats() async {
        while !Task.isCancelled {
            do { try await clock.sleep(for: configuration.heartbeat) } catch { return }
            state.withLock { state in
                for client in state.clients.values { client.continuation.yield(.heartbeat) }
            }
        }
    }

    /// Adds a client; nil while the broadcaster has not reached the log yet (or is closed).
    func register(waitingUpTo timeout: Duration = .seconds(5)) async -> Registration? {
        // Wait (bounded) for the follower to start; then register synchronously, so a timeout
        // can never leave a registered client behind.
        if state.withLock({ $0.position == nil && !$0.closed }) {
            _ = try? await withTimeout(timeout, clock: clock) { [self] () async -> Void in
                while !Task.isCancelled && state.withLock({ $0.position == nil && !$0.closed }) {
                    let seen = started.generation
                    if state.withLock({ $0.position != nil || $0.closed }) { return }
                    await started.wait(after: seen, timeout: .milliseconds(200), clock: clock)
                }
            }
        }
        // Bounded by the events pending (counted here), not by the stream's buffer: a frame
        // holds a whole batch of the log.
        let (stream, continuation) = AsyncStream.makeStream(of: Frame.self, bufferingPolicy: .unbounded)
        return state.withLock { state -> Registration? in
            guard !state.closed, let position = state.position else { return nil }
            state.nextID += 1
            state.clients[state.nextID] = Client(continuation: continuation)
            return Registration(id: state.nextID, position: position, frames: stream)
        }
    }

    /// The client's writer took `count` events off its queue.
    func taken(_ count: Int, by id: Int) {
        state.withLock { state in
            if let pending = state.clients[id]?.pending { state.clients[id]!.pending = max(0, pending - count) }
        }
    }

    func unregister(_ id: Int) {
        state.withLock { $0.clients.removeValue(forKey: id) }?.continuation.finish()
    }

    /// Ends every client's stream (graceful shutdown).
    func closeAll() {
        let clients = state.withLock { state in
            state.closed = true
            defer { state.clients = [:] }
            return state.clients.values.map(\.continuation)
        }
        for client in clients { client.finish() }
    }
}
