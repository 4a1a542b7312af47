import EventStore
import Foundation
import Postgres
import PostgresEvents
import PostgresReadModels

/// One side of a comparison: writes one transaction of `batch` events for a writer.
protocol AppendWorkload: Sendable {
    var batch: Int { get }
    /// Writes transaction number `round` (0, 1, ...) of `writer`; every writer has its own stream.
    func append(writer: Int, round: Int) async throws
}

/// What every side writes per event, so the rows are alike: ~200 bytes of data, metadata as the
/// service records it.
enum BenchEvent {
    static let type = "bench.step_succeeded.v1"
    static let data =
        #"{"store_id":"3f8e2a6c-5d1b-4e7a-9c0f-2b4d6e8a1c3e","step":"helm","attempt":1,"duration_ms":8421,"details":"release store-3f8e2a6c deployed, revision 1, chart store-0.1.0"}"#
    static let metadata = EventMetadata(
        actor: "bench", correlationID: UUID(), causationID: UUID(), requestID: "req-bench")
    static let metadataJSON: String = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(metadata), as: UTF8.self)
    }()
}

/// The store under test: `PostgresEventStore.append` with the exact expected version.
struct StoreAppend: AppendWorkload {
    let store: PostgresEventStore
    let run: String
    let batch: Int

    func append(writer: Int, round: Int) async throws {
        let stream = try StreamID("bench-\(run)-\(writer)")
        let events = (0..<batch).map { _ in
            NewEvent(type: BenchEvent.type, data: BenchEvent.data, metadata: BenchEvent.metadata)
        }
        let version = Int64(round * batch)
        try await store.append(to: stream, expected: version == 0 ? .noStream : .exact(version), events: events)
    }
}

/// The baseline: plain INSERTs of the same rows into a table shaped like `events` (same columns,
/// defaults and indexes, no checks), one statement per transaction, no locking, no version
/// check. With `commitOrdered`, each transaction first takes one transaction-scoped advisory
/// lock, held until after its commit: the other gap-free mechanism.
struct RawInsert: AppendWorkload {
    let pool: PostgresPool
    let run: String
    let batch: Int
    var commitOrdered = false

    static let createTable = """
        create table if not exists bench_events (
            like events including defaults including identity including indexes
        )
        """
    static let lockKey: Int64 = 0x6265_6E63_68

    func append(writer: Int, round: Int) async throws {
        let stream = "bench-\(run)-\(writer)"
        var sql = PostgresQuery.StringInterpolation(
            literalCapacity: 120 + batch * 40, interpolationCount: batch * 6 + 1)
        if commitOrdered {
            sql.appendLiteral("with ordered as materialized (select pg_advisory_xact_lock(")
            sql.appendInterpolation(Self.lockKey)
            sql.appendLiteral(")) ")
        }
        sql.appendLiteral("insert into bench_events (event_id, stream_id, stream_version, type, data, metadata) ")
        sql.appendLiteral(commitOrdered ? "select v.* from (values " : "values ")
        for index in 0..<batch {
            if index > 0 { sql.appendLiteral(", ") }
            sql.appendLiteral("(")
            sql.appendInterpolation(UUID())
            sql.appendLiteral("::uuid, ")
            sql.appendInterpolation(stream)
            sql.appendLiteral(", ")
            sql.appendInterpolation(Int64(round * batch + index + 1))
            sql.appendLiteral("::bigint, ")
            sql.appendInterpolation(BenchEvent.type)
            sql.appendLiteral(", ")
            sql.appendInterpolation(BenchEvent.data)
            sql.appendLiteral("::jsonb, ")
            sql.appendInterpolation(BenchEvent.metadataJSON)
            sql.appendLiteral("::jsonb)")
        }
        if commitOrdered { sql.appendLiteral(") as v cross join ordered") }
        try await pool.query(PostgresQuery(stringInterpolation: sql))
    }
}

/// Runs `writers` concurrent loops of `workload` for `duration`; returns events per second.
func eventsPerSecond(_ workload: some AppendWorkload, writers: Int, duration: Duration) async throws -> Double {
    let start = ContinuousClock.now
    let deadline = start + duration
    let transactions = try await withThrowingTaskGroup(of: Int.self) { group in
        for writer in 0..<writers {
            group.addTask {
                var round = 0
                while ContinuousClock.now < deadline {
                    try await workload.append(writer: writer, round: round)
                    round += 1
                }
                return round
            }
        }
        return try await group.reduce(0, +)
    }
    let elapsed = (ContinuousClock.now - start).seconds
    return Double(transactions * workload.batch) / elapsed
}
