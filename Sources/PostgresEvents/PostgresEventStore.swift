import EventStore
import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// The event store on PostgreSQL (tables and `urumi_append` from `schema/`).
///
/// Appends are one round trip to `urumi_append`. Reads follow the log in (transaction id,
/// position) order up to the oldest running transaction, so they are gap-free.
///
/// As a `Service` it also runs the wake-ups: it LISTENs for other processes' appends and
/// NOTIFYs for its own, on two dedicated connections. NOTIFY is sent *after* the append
/// commits, coalesced, with `synchronous_commit = off`: a NOTIFY inside the appending
/// transaction takes a database-wide lock until the commit is flushed, which serialises every
/// writer (measured: 8 writers fell from 19.7k to 6.5k commits/s). Without the service running
/// the store still works; other processes then see its events at their next poll.
public final class PostgresEventStore: EventStore, Service {
    public static let channel = "urumi_events"

    let pool: PostgresPool
    let logger: Logger
    /// Bumped when the log may have grown (local append, NOTIFY, listener reconnect).
    public let signal = WakeSignal()
    let pollInterval: Duration
    let clock: any Clock<Duration>
    let pokesStream: AsyncStream<Void>
    private let poke: AsyncStream<Void>.Continuation

    public init(
        pool: PostgresPool, logger: Logger, pollInterval: Duration = .seconds(2),
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.clock = clock
        self.pool = pool
        self.logger = logger
        self.pollInterval = pollInterval
        (pokesStream, poke) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: Append

    public func append(_ request: AppendRequest) async throws -> AppendResult {
        try EventLimits.validate(request)
        let events = try Self.encodeEvents(request.events)
        let expected: Int64 =
            switch request.expected {
            case .any: -1
            case .noStream: 0
            case .exact(let version): version
            }
        var attempt = 0
        while true {
            attempt += 1
            do {
                let rows = try await pool.query(
                    """
                    select * from urumi_append(\(request.stream.rawValue), \(expected), \(events)::jsonb, \
                    \(request.idempotencyKey), \(request.fingerprint), \(request.claims)::text[], \
                    \(request.releases)::text[])
                    """)
                guard let row = rows.first else { throw EventStoreError.unavailable("urumi_append returned no row") }
                let result = try Self.decodeResult(row, stream: request.stream)
                if !result.replayed {
                    signal.bump()
                    poke.yield()
                }
                return result
            } catch let error as PostgresError {
                // A concurrent identical append (same event ids or key) won the race: run again
                // once and the function answers with the stored result.
                if attempt == 1, error.sqlState == "23505",
                    error.constraint == "events_event_id_unique" || error.constraint == "idempotency_keys_pkey"
                {
                    continue
                }
                throw Self.map(error, request)
            }
        }
    }

    static func map(_ error: PostgresError, _ request: AppendRequest) -> any Error {
        switch error.sqlState {
        case "UR001":
            return EventStoreError.wrongExpectedVersion(
                stream: request.stream.rawValue, expected: request.expected, actual: error.detail.flatMap { Int64($0) })
        case "UR002":
            return EventStoreError.claimTaken(claim: error.message, heldBy: error.detail ?? "another stream")
        case "UR003":
            return EventStoreError.idempotencyKeyReused(key: request.idempotencyKey ?? "")
        case "UR004":
            return EventStoreError.duplicateEventIDs(stream: request.stream.rawValue)
        case "23505" where error.constraint == "events_stream_version_unique":
            // Only reachable with expected `.any` racing a creator; the caller may retry.
            return EventStoreError.wrongExpectedVersion(
                stream: request.stream.rawValue, expected: request.expected, actual: nil)
        case let state? where state.hasPrefix("22") || state.hasPrefix("23"):
            // Data exceptions and constraint violations: the input, not the database.
            return EventStoreError.invalidEvent(index: 0, reason: error.message)
        default:
            return error.isTransient ? EventStoreError.unavailable(error.message) : error
        }
    }

    private static func decodeResult(_ row: PostgresRow, stream: StreamID) throws -> AppendResult {
        AppendResult(
            stream: stream,
            streamVersion: try row.decode(Int64.self, "stream_version"),
            firstCursor: LogCursor(
                transactionID: try row.decode(UInt64.self, "first_txid"),
                position: try row.decode(Int64.self, "first_position")),
            lastCursor: LogCursor(
                transactionID: try row.decode(UInt64.self, "last_txid"),
                position: try row.decode(Int64.self, "last_position")),
            replayed: try row.decode(Bool.self, "replayed"))
    }

    /// The events as one JSON array; `data` (already validated as a JSON object) is spliced in
    /// as is rather than parsed and printed again. Metadata is written by hand in the shape
    /// `JSONEncoder` gives it (sorted keys, absent optionals left out): an encoder per event cost
    /// more than the rest of the client's work for a 100-event batch.
    static func encodeEvents(_ events: [NewEvent]) throws -> String {
        var out = "["
        out.reserveCapacity(events.reduce(0) { $0 + $1.data.utf8.count + 300 })
        for (index, event) in events.enumerated() {
            if index > 0 { out += "," }
            out += #"{"id":""# + event.id.uuidString.lowercased() + #"","type":"#
            appendJSONString(event.type, to: &out)
            out += #","data":"# + event.data + #","metadata":{"actor":"#
            let metadata = event.metadata
            appendJSONString(metadata.actor, to: &out)
            if let causation = metadata.causationID { out += #","causation_id":""# + causation.uuidString + "\"" }
            if let correlation = metadata.correlationID { out += #","correlation_id":""# + correlation.uuidString + "\"" }
            if let request = metadata.requestID {
                out += #","request_id":"#
                appendJSONString(request, to: &out)
            }
            out += "}}"
        }
        return out + "]"
    }

    /// Appends `text` as a JSON string literal: quotes, backslashes and control characters escaped.
    static func appendJSONString(_ text: String, to out: inout String) {
        out += "\""
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += text
        } else {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    // MARK: Read

    static let columns = """
        position, transaction_id, event_id, stream_id, stream_version, type, data::text as data, \
        metadata::text as metadata, recorded_at
        """

    public func readStream(_ stream: StreamID, fromVersion: Int64, limit: Int) async throws -> [RecordedEvent] {
        let rows = try await pool.query(
            """
            select \(unsafeRaw: Self.columns) from events
            where stream_id = \(stream.rawValue) and stream_version >= \(fromVersion)
            order by stream_version limit \(limit)
            """)
        return try rows.map(Self.decodeEvent)
    }

    public func readAll(after cursor: LogCursor, limit: Int) async throws -> [RecordedEvent] {
        try await Self.readAll(pool: pool, after: cursor, limit: limit)
    }

    public func head() async throws -> LogCursor {
        let rows = try await pool.query(
            """
            select transaction_id, position from events
            where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
            order by transaction_id desc, position desc limit 1
            """)
        guard let row = rows.first else { return .start }
        return LogCursor(
            transactionID: try row.decode(UInt64.self, "transaction_id"), position: try row.decode(Int64.self, "position"))
    }

    public func claimOwner(_ claim: String) async throws -> StreamID? {
        let rows = try await pool.query("select stream_id from claims where claim = \(claim)")
        guard let owner = try rows.first?.decode(String.self, "stream_id") else { return nil }
        return try StreamID(owner)
    }

    static func decodeEvent(_ row: PostgresRow) throws -> RecordedEvent {
        let metadataText = try row.decode(String.self, "metadata")
        let metadata = try JSONDecoder().decode(EventMetadata.self, from: Data(metadataText.utf8))
        return RecordedEvent(
            id: try row.decode(UUID.self, "event_id"),
            streamID: try StreamID(try row.decode(String.self, "stream_id")),
            version: try row.decode(Int64.self, "stream_version"),
            cursor: LogCursor(
                transactionID: try row.decode(UInt64.self, "transaction_id"),
                position: try row.decode(Int64.self, "position")),
            type: try row.decode(String.self, "type"),
            data: try row.decode(String.self, "data"),
            metadata: metadata,
            recordedAt: try row.decode(Date.self, "recorded_at"))
    }

    // MARK: Subscribe

    public func subscribe(after cursor: LogCursor) -> EventSubscription {
        let logger = self.logger
        return EventSubscription(
            after: cursor, signal: signal, pollInterval: pollInterval, clock: clock,
            isTransient: { error in
                let transient = (error as? PostgresError)?.isTransient ?? false
                if transient { logger.warning("subscription read failed, retrying", metadata: ["error": "\(error)"]) }
                return transient
            },
            reader: { [pool] cursor, limit in
                // Not `self.readAll`: the subscription must not keep the store alive by itself.
                try await PostgresEventStore.readAll(pool: pool, after: cursor, limit: limit)
            })
    }

    static func readAll(pool: PostgresPool, after cursor: LogCursor, limit: Int) async throws -> [RecordedEvent] {
        try await pool.withConnection { try await readAll(on: $0, after: cursor, limit: limit) }
    }

    /// Reads the log on a given connection (e.g. inside a projector's transaction).
    public static func readAll(on connection: PostgresConnection, after cursor: LogCursor, limit: Int) async throws
        -> [RecordedEvent]
    {
        let rows = try await connection.query(
            """
            select \(unsafeRaw: columns) from events
            where (transaction_id, position) > (\(cursor.transactionID)::xid8, \(cursor.position)::bigint)
              and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
            order by transaction_id, position
            limit \(limit)
            """)
        return try rows.map(decodeEvent)
    }
}
