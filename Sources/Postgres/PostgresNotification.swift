/// A NOTIFY received on a connection that ran LISTEN.
public struct PostgresNotification: Sendable, Hashable {
    public let channel: String
    public let payload: String
    public let backendPID: Int32
}

/// Notifications on a dedicated connection, as an `AsyncSequence`.
///
/// Pull-based: each `next()` waits (on the connection's queue, not the cooperative pool) for
/// at most a quarter second at a time, so cancelling the consuming task ends the sequence
/// promptly. A lost connection ends it with an error; the caller reconnects.
public struct PostgresNotifications: AsyncSequence, Sendable {
    public typealias Element = PostgresNotification
    let connection: PostgresConnection

    public struct AsyncIterator: AsyncIteratorProtocol {
        let connection: PostgresConnection
        var buffer: [PostgresNotification] = []

        public mutating func next() async throws -> PostgresNotification? {
            while buffer.isEmpty {
                if Task.isCancelled { return nil }
                buffer = try await connection.waitForNotifications(timeoutMilliseconds: 250)
            }
            return buffer.removeFirst()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(connection: connection)
    }
}

extension PostgresConnection {
    /// Runs `LISTEN` on each channel and returns the notifications that arrive from then on.
    /// Use a dedicated connection: it must not be lent to anyone else while listening.
    public func listen(_ channels: [String]) async throws -> PostgresNotifications {
        for channel in channels {
            // LISTEN takes an identifier, not a parameter; quote it.
            let quoted = "\"" + channel.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            try await query(PostgresQuery(unsafeSQL: "LISTEN \(quoted)"))
        }
        return PostgresNotifications(connection: self)
    }
}
