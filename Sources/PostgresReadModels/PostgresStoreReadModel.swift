import EventStore
import Foundation
import Postgres
import Provisioning

/// Queries of the store list (`store_view`).
public struct PostgresStoreReadModel: StoreReadModel {
    let pool: PostgresPool
    /// The projector's progress in this process, to wait without polling (may be absent).
    let progress: WakeSignal?
    let clock: any Clock<Duration>

    public init(pool: PostgresPool, progress: WakeSignal?, clock: any Clock<Duration> = ContinuousClock()) {
        self.pool = pool
        self.progress = progress
        self.clock = clock
    }

    public func store(_ id: StoreID) async throws -> StoreView? {
        let rows = try await pool.query("select view::text as view from store_view where store_id = \(id.uuid)")
        return try rows.first.map { try StoreProjection.decodeView(try $0.decode(String.self, "view")) }
    }

    public func stores(statuses: [StoreStatus], after: String?, limit: Int) async throws -> StorePage {
        var afterMicros: Int64 = -1
        var afterID = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!
        if let after {
            let parts = after.split(separator: "_")
            // The time must be one PostgreSQL can add to the epoch (years 1-9999 here): a
            // number beyond that made the query fail, a 500 for what is a bad parameter.
            guard parts.count == 2, let micros = Int64(parts[0]), Self.cursorMicros.contains(micros),
                let id = UUID(uuidString: String(parts[1]))
            else {
                throw InvalidPageCursor()
            }
            afterMicros = micros
            afterID = id
        }
        let rows = try await pool.query(
            """
            select view::text as view, store_id, (extract(epoch from created_at) * 1000000)::bigint as created_us
            from store_view
            where (cardinality(\(statuses.map(\.rawValue))::text[]) = 0 or status = any(\(statuses.map(\.rawValue))::text[]))
              and (created_at, store_id) > ('epoch'::timestamptz + \(afterMicros) * interval '1 microsecond', \(afterID))
            order by created_at, store_id
            limit \(limit + 1)
            """)
        let items = try rows.prefix(limit).map { try StoreProjection.decodeView(try $0.decode(String.self, "view")) }
        var next: String?
        if rows.count > limit {
            let last = rows[limit - 1]
            next = "\(try last.decode(Int64.self, "created_us"))_\(try last.decode(String.self, "store_id"))"
        }
        return StorePage(items: items, next: next)
    }

    /// Microseconds since 1970 of 0001-01-01 and of the end of 9999-12-31.
    static let cursorMicros: ClosedRange<Int64> = -62_135_596_800_000_000...253_402_300_799_999_999

    public func checkpoint() async throws -> LogCursor {
        try await PostgresStoreProjector.checkpoint(pool: pool)
    }

    public func waitUntil(_ cursor: LogCursor, timeout: Duration) async throws -> Bool {
        let reached = try await withTimeout(timeout, clock: clock) { [self] () async throws -> Bool in
            while true {
                let seen = progress?.generation ?? 0
                if try await checkpoint() >= cursor { return true }
                try Task.checkCancellation()
                if let progress {
                    await progress.wait(after: seen, timeout: .milliseconds(250), clock: clock)
                } else {
                    try await clock.sleep(for: .milliseconds(25))
                }
            }
        }
        if reached == true { return true }
        return try await checkpoint() >= cursor
    }
}
