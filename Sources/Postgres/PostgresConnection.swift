import CLibPQ
import Dispatch
import Foundation
import Logging
import Synchronization

/// One libpq connection.
///
/// libpq's calls block, so every one of them runs on this connection's own serial dispatch
/// queue, never on Swift's cooperative thread pool; callers `await` the result. A connection
/// is used by one task at a time (the pool lends it out), which the serial queue also enforces.
public final class PostgresConnection: @unchecked Sendable {
    /// Accessed only on `queue`.
    private var handle: OpaquePointer?
    private let queue: DispatchQueue
    private let brokenFlag = Atomic<Bool>(false)
    public let logger: Logger
    /// Counts the statements sent (round trips), shared by a pool's connections.
    let counter: PostgresCounter?

    /// True once the connection failed or was closed; the pool then discards it.
    public var isBroken: Bool { brokenFlag.load(ordering: .relaxed) }

    private init(handle: OpaquePointer, queue: DispatchQueue, logger: Logger, counter: PostgresCounter?) {
        self.handle = handle
        self.queue = queue
        self.logger = logger
        self.counter = counter
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Opens a connection. `url` is a libpq connection string or `postgres://` URI.
    /// The session runs in UTC so timestamps read back unambiguously.
    public static func connect(
        url: String, applicationName: String = "urumi", logger: Logger, counter: PostgresCounter? = nil
    ) async throws -> PostgresConnection {
        let queue = DispatchQueue(label: "urumi.postgres.connection")
        let handle: OpaquePointer = try await withCheckedThrowingContinuation { continuation in
            queue.async {
                // Keywords before `dbname` are defaults the URL may override; those after win.
                let keywords = ["connect_timeout", "application_name", "dbname", "options"]
                let values = ["5", applicationName, url, "-c TimeZone=UTC -c DateStyle=ISO"]
                let conn = withCStringArray(keywords) { keys in
                    withCStringArray(values) { vals in PQconnectdbParams(keys, vals, 1) }
                }
                guard let conn else {
                    continuation.resume(throwing: PostgresError(.connection, "out of memory"))
                    return
                }
                if PQstatus(conn) != CONNECTION_OK {
                    let message = lastError(conn)
                    PQfinish(conn)
                    continuation.resume(throwing: PostgresError(.connection, message))
                    return
                }
                // Server NOTICEs (e.g. "already exists, skipping") are not errors; don't print them.
                PQsetNoticeProcessor(conn, { _, _ in }, nil)
                continuation.resume(returning: conn)
            }
        }
        return PostgresConnection(handle: handle, queue: queue, logger: logger, counter: counter)
    }

    /// Runs `body` with the raw handle on the connection's queue.
    func onQueue<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        if isBroken { throw PostgresError(.closed, "connection is closed") }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                guard let handle = self.handle else {
                    continuation.resume(throwing: PostgresError(.closed, "connection is closed"))
                    return
                }
                continuation.resume(with: Result { try body(handle) })
            }
        }
    }

    /// Runs one statement with bound parameters and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        counter?.add()
        return try await onQueue { conn in
            let result = withCStringArray(query.binds) { values in
                PQexecParams(conn, query.sql, Int32(query.binds.count), nil, values, nil, nil, 0)
            }
            return try self.consume(result, conn)
        }
    }

    /// Runs a script of several statements with no parameters (the simple query protocol).
    /// For migrations only: the text must come from the code base, never from input.
    public func execute(unsafeScript script: String) async throws {
        counter?.add()
        _ = try await onQueue { conn in
            var failure: PostgresError?
            guard PQsendQuery(conn, script) == 1 else {
                throw self.connectionError(conn)
            }
            while let result = PQgetResult(conn) {
                if failure == nil {
                    do { _ = try self.consume(result, conn) } catch let error as PostgresError { failure = error }
                } else {
                    PQclear(result)
                }
            }
            if let failure { throw failure }
            return true
        }
    }

    /// Copies a result out of libpq and frees it, or turns it into an error.
    func consume(_ result: OpaquePointer?, _ conn: OpaquePointer) throws -> PostgresRows {
        guard let result else { throw connectionError(conn) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            let columnCount = Int(PQnfields(result))
            let rowCount = Int(PQntuples(result))
            var columns: [String] = []
            columns.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                columns.append(String(cString: PQfname(result, Int32(column))))
            }
            var cells: [[String?]] = []
            cells.reserveCapacity(rowCount)
            for row in 0..<rowCount {
                var values: [String?] = []
                values.reserveCapacity(columnCount)
                for column in 0..<columnCount {
                    if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                        values.append(nil)
                    } else {
                        values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                    }
                }
                cells.append(values)
            }
            let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
            return PostgresRows(columns: columns, cells: cells, affectedRows: affected)
        default:
            if PQstatus(conn) != CONNECTION_OK {
                brokenFlag.store(true, ordering: .relaxed)
                throw PostgresError(.connection, Self.lastError(conn))
            }
            func field(_ code: UInt8) -> String? {
                guard let value = PQresultErrorField(result, Int32(code)) else { return nil }
                return String(cString: value)
            }
            let sqlState = field(UInt8(ascii: "C"))
            let message = field(UInt8(ascii: "M")) ?? Self.lastError(conn)
            let error = PostgresError(
                .server, message, sqlState: sqlState, constraint: field(UInt8(ascii: "n")),
                detail: field(UInt8(ascii: "D")))
            // Class 08 (connection exception) and 57P (admin shutdown) leave the session unusable.
            if error.isTransient { brokenFlag.store(true, ordering: .relaxed) }
            throw error
        }
    }

    func connectionError(_ conn: OpaquePointer) -> PostgresError {
        brokenFlag.store(true, ordering: .relaxed)
        return PostgresError(.connection, Self.lastError(conn))
    }

    private static func lastError(_ conn: OpaquePointer) -> String {
        guard let text = PQerrorMessage(conn) else { return "unknown libpq error" }
        return String(cString: text).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")
    }

    /// True when the session is inside a transaction block (or in a failed one).
    public func inTransaction() async -> Bool {
        (try? await onQueue { conn in PQtransactionStatus(conn) != PQTRANS_IDLE }) ?? false
    }

    /// For a connection sitting idle in a pool: false when the server has closed it or sent
    /// anything at all. An idle session that is not listening receives nothing; a server that
    /// ends a session (`pg_terminate_backend`, a restart, an idle timeout) sends a FATAL error
    /// and closes the socket, which libpq only notices at the next statement. Never blocks.
    func isAliveWhileIdle() async -> Bool {
        (try? await onQueue { conn in
            guard PQstatus(conn) == CONNECTION_OK else { return false }
            let socket = PQsocket(conn)
            guard socket >= 0 else { return false }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            return poll(&descriptor, 1, 0) == 0
        }) ?? false
    }

    /// Closes the connection. Safe to call more than once.
    public func close() async {
        brokenFlag.store(true, ordering: .relaxed)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                if let handle = self.handle { PQfinish(handle) }
                self.handle = nil
                continuation.resume()
            }
        }
    }

    /// Waits up to `timeoutMilliseconds` for notifications on a connection that ran `LISTEN`.
    /// Returns what arrived (possibly nothing); throws when the connection is lost.
    func waitForNotifications(timeoutMilliseconds: Int32) async throws -> [PostgresNotification] {
        try await onQueue { conn in
            var received = try self.drainNotifications(conn)
            if !received.isEmpty { return received }
            let socket = PQsocket(conn)
            guard socket >= 0 else { throw self.connectionError(conn) }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, timeoutMilliseconds)
            if ready > 0 {
                received = try self.drainNotifications(conn)
            }
            return received
        }
    }

    private func drainNotifications(_ conn: OpaquePointer) throws -> [PostgresNotification] {
        guard PQconsumeInput(conn) == 1, PQstatus(conn) == CONNECTION_OK else {
            throw connectionError(conn)
        }
        var received: [PostgresNotification] = []
        while let notify = PQnotifies(conn) {
            received.append(
                PostgresNotification(
                    channel: String(cString: notify.pointee.relname),
                    payload: String(cString: notify.pointee.extra),
                    backendPID: notify.pointee.be_pid))
            PQfreemem(notify)
        }
        return received
    }
}

/// Calls `body` with a NULL-able C array of C strings that lives for the call.
func withCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    if strings.isEmpty { return body(nil) }
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { for pointer in pointers { free(pointer) } }
    let constPointers = pointers.map { $0.map { UnsafePointer($0) } }
    return constPointers.withUnsafeBufferPointer { body($0.baseAddress) }
}

func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    // libpq's keyword/value arrays end with a NULL entry.
    withCStringArray(strings.map { Optional($0) } + [nil], body)
}

/// A count of statements sent to the server (each one round trip), for benchmarks and metrics.
public final class PostgresCounter: Sendable {
    private let value = Atomic<Int>(0)

    public init() {}

    public var count: Int { value.load(ordering: .relaxed) }

    func add() { value.add(1, ordering: .relaxed) }
}
