import Logging
import Synchronization

/// A bounded pool of connections to one database.
///
/// Connections open lazily up to `maxConnections`; beyond that, callers wait in FIFO order.
/// A connection that broke, or that comes back still inside a transaction, is closed and its
/// slot freed; one that the server closed while it sat idle is replaced before it is lent.
/// The pool never retries a statement: the caller decides what is safe to repeat.
public final class PostgresPool: Sendable {
    /// A snapshot of the pool for metrics and tests.
    public struct Stats: Sendable, Equatable {
        public var open: Int
        public var idle: Int
        public var waiting: Int
    }

    private enum Grant {
        case connection(PostgresConnection)
        /// Permission to open a new connection (a slot was freed).
        case slot
    }

    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Grant, any Error>)] = []
        var nextWaiterID = 0
        var closed = false
    }

    private let url: String
    public let maxConnections: Int
    private let applicationName: String
    private let logger: Logger
    private let state = Mutex(State())
    /// Statements sent by this pool's connections (dedicated ones included).
    public let roundTrips = PostgresCounter()

    public init(url: String, maxConnections: Int = 10, applicationName: String = "urumi", logger: Logger) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.url = url
        self.maxConnections = maxConnections
        self.applicationName = applicationName
        self.logger = logger
    }

    public var stats: Stats {
        state.withLock { Stats(open: $0.open, idle: $0.idle.count, waiting: $0.waiters.count) }
    }

    /// Lends a connection to `body` and takes it back afterwards, whatever happens.
    public func withConnection<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await lease()
        do {
            let value = try await body(connection)
            await release(connection)
            return value
        } catch {
            await release(connection)
            throw error
        }
    }

    /// Runs `body` inside BEGIN/COMMIT on one connection; any error rolls back.
    public func withTransaction<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try await connection.withTransaction(body)
        }
    }

    /// Runs one statement on a pooled connection.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await withConnection { try await $0.query(query) }
    }

    /// A dedicated connection outside the pool (for LISTEN); the caller closes it.
    public func openDedicatedConnection() async throws -> PostgresConnection {
        try await PostgresConnection.connect(url: url, applicationName: applicationName, logger: logger, counter: roundTrips)
    }

    private func lease() async throws -> PostgresConnection {
        enum Decision {
            case use(PostgresConnection)
            case open
            case wait
            case closed
        }
        let decision: Decision = state.withLock { state in
            if state.closed { return .closed }
            if let connection = state.idle.popLast() { return .use(connection) }
            if state.open < maxConnections {
                state.open += 1
                return .open
            }
            return .wait
        }
        switch decision {
        case .use(let connection):
            if await connection.isAliveWhileIdle() { return connection }
            // The server ended it while it sat idle (e.g. after a restart, every idle
            // connection is dead): open a fresh one in its slot rather than fail the caller.
            logger.debug("discarding an idle connection the server closed")
            await connection.close()
            return try await openInSlot()
        case .open:
            return try await openInSlot()
        case .closed:
            throw PostgresError(.closed, "the pool is closed")
        case .wait:
            switch try await waitForGrant() {
            case .connection(let connection): return connection
            case .slot: return try await openInSlot()
            }
        }
    }

    /// Opens a connection in a slot already counted in `open`; gives the slot back on failure.
    private func openInSlot() async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(url: url, applicationName: applicationName, logger: logger, counter: roundTrips)
        } catch {
            freeSlot()
            throw error
        }
    }

    private func waitForGrant() async throws -> Grant {
        let id = state.withLock { state -> Int in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let cancelledOrClosed = state.withLock { state -> Bool in
                    if Task.isCancelled || state.closed { return true }
                    state.waiters.append((id, continuation))
                    return false
                }
                if cancelledOrClosed { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Grant, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func freeSlot() {
        let waiter = state.withLock { state -> CheckedContinuation<Grant, any Error>? in
            if !state.waiters.isEmpty { return state.waiters.removeFirst().continuation }
            state.open -= 1
            return nil
        }
        waiter?.resume(returning: .slot)
    }

    private func release(_ connection: PostgresConnection) async {
        if !connection.isBroken, await connection.inTransaction() {
            // A body that returned inside a transaction would leak it to the next borrower.
            logger.warning("closing a connection returned inside a transaction")
            await connection.close()
        }
        if connection.isBroken {
            await connection.close()
            freeSlot()
            return
        }
        enum Next {
            case handOver(CheckedContinuation<Grant, any Error>)
            case keep
            case close
        }
        let next: Next = state.withLock { state in
            if state.closed {
                state.open -= 1
                return .close
            }
            if !state.waiters.isEmpty { return .handOver(state.waiters.removeFirst().continuation) }
            state.idle.append(connection)
            return .keep
        }
        switch next {
        case .handOver(let waiter): waiter.resume(returning: .connection(connection))
        case .keep: break
        case .close: await connection.close()
        }
    }

    /// Closes idle connections and refuses new leases; connections in use close on return.
    public func close() async {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            let idle = state.idle
            state.open -= idle.count
            state.idle = []
            let waiters = state.waiters.map(\.continuation)
            state.waiters = []
            return (idle, waiters)
        }
        for waiter in waiters { waiter.resume(throwing: PostgresError(.closed, "the pool is closed")) }
        for connection in idle { await connection.close() }
    }
}

extension PostgresConnection {
    /// Runs `body` inside BEGIN/COMMIT; any error rolls back and is rethrown.
    public func withTransaction<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await query("BEGIN")
        do {
            let value = try await body(self)
            try await query("COMMIT")
            return value
        } catch {
            if !isBroken { _ = try? await query("ROLLBACK") }
            throw error
        }
    }
}
