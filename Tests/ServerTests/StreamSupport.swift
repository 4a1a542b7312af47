import EventStore
import Foundation
import Postgres

#if canImport(Glibc)
    import Glibc
#endif

/// One row of the `events` table as the stream and the audit name it.
struct LoggedEvent: Sendable, Equatable, CustomStringConvertible {
    /// The cursor `TXID-POSITION` (SSE `id:`, audit `id`).
    let id: String
    let type: String
    let stream: String

    var description: String { "\(id) \(type) \(stream)" }
}

extension ServerDatabase {
    /// The log in cursor order, optionally filtered by a condition on `events`
    /// (test-side SQL: the answer the API must agree with).
    func log(where condition: String = "true", _ binds: [String?] = []) async throws -> [LoggedEvent] {
        let rows = try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    select transaction_id::text || '-' || position::text as id, type, stream_id from events
                    where \(condition) order by transaction_id, position
                    """,
                binds: binds))
        return try rows.map {
            LoggedEvent(
                id: try $0.decode(String.self, "id"), type: try $0.decode(String.self, "type"),
                stream: try $0.decode(String.self, "stream_id"))
        }
    }
}

extension ServerDatabase {
    /// Appends `count` events of `padding` bytes of data to `stream` in one transaction,
    /// straight into the table (as another process would), and wakes the servers with the
    /// NOTIFY they listen for; returns the cursor of the last event.
    func appendFillers(stream: String, count: Int, padding: Int) async throws -> String {
        let rows = try await pool.query(
            """
            with inserted as (
                insert into events (event_id, stream_id, stream_version, type, data, metadata)
                select gen_random_uuid(), \(stream), n, 'load.filler.v1',
                       jsonb_build_object('n', n, 'pad', repeat('x', \(padding))), '{"actor":"system"}'::jsonb
                from generate_series(1, \(count)) as n
                returning transaction_id, position)
            select transaction_id::text || '-' || max(position)::text as last from inserted group by transaction_id
            """)
        let last = try rows.first!.decode(String.self, "last")
        try await pool.query("select pg_notify('urumi_events', '')")
        return last
    }
}

extension UrumiProcess {
    var pid: pid_t { process.processIdentifier }

    /// The resident set size of the server process (VmRSS of /proc/PID/status), in bytes.
    func residentMemory() throws -> Int {
        let kilobytes = residentKiB(pid)
        guard kilobytes > 0 else { throw ProcessFailure.failed("no VmRSS in /proc/\(pid)/status") }
        return kilobytes * 1024
    }

    /// Sends SIGTERM without waiting.
    func terminate() {
        Glibc.kill(pid, SIGTERM)
    }

    /// Polls for the process's exit until `timeout`; true when it exited.
    func waitForExit(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}

extension HTTPClient {
    /// Creates `count` stores at once (names and domains from `prefix`); returns their ids in
    /// index order.
    func createStores(_ prefix: String, count: Int, from first: Int = 0) async throws -> [String] {
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in first..<(first + count) {
                group.addTask {
                    let response = try await createStore("\(prefix) \(index)", domain: "\(prefix)\(index).example.com")
                    guard response.status == 202, let id = response.json["id"] as? String else {
                        throw ProcessFailure.failed(
                            "creating store \(prefix)\(index): \(response.status) \(response.text)")
                    }
                    return (index, id)
                }
            }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }.sorted { $0.key < $1.key }.map(
                \.value)
        }
    }

    /// Waits until every store in the list is in a terminal status; returns the list.
    func waitUntilSettled(count: Int, timeout: Duration = .seconds(120)) async throws -> [[String: Any]] {
        try await waitForStores(timeout: timeout) { stores in
            stores.count == count && stores.allSatisfy { terminalStatuses.contains($0["status"] as! String) }
        }
    }
}

extension SSEClient {
    /// Waits until an event at or past `id` (in cursor order) arrived; returns every event.
    /// O(1) per wake-up: the events arrive in cursor order, so only the last one is looked at.
    func waitForEvent(atOrAfter id: String, timeout: Duration = .seconds(60)) async throws -> [SSEEvent] {
        let target = LogCursor(id)!
        return try await wait("an event at or after \(id)", timeout: timeout) { state in
            guard let last = state.events.last?.id.flatMap({ LogCursor($0) }), last >= target else { return nil }
            return state.events
        }
    }
}

/// The (id, type) pairs of SSE events, to compare with the log.
func pairs(_ events: [SSEEvent]) -> [String] { events.map { "\($0.id ?? "nil") \($0.event ?? "nil")" } }
func pairs(_ events: [LoggedEvent]) -> [String] { events.map { "\($0.id) \($0.type)" } }

/// True when the ids are strictly increasing in cursor order.
func strictlyIncreasing(_ ids: [String]) -> Bool {
    let cursors = ids.map { LogCursor($0) }
    guard cursors.allSatisfy({ $0 != nil }) else { return false }
    return zip(cursors, cursors.dropFirst()).allSatisfy { $0! < $1! }
}
