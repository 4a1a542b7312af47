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
        let rows = try await pool.query("select view_text from store_view where store_id = \(id.uuid)")
        return try rows.first.map { try StoreProjection.decodeView(try $0.decode(String.self, "view_text")) }
    }

    /// One statement: the checkpoint and the page in one snapshot (the page reflects at least
    /// that position), keyset-paged on (created_at, store_id) with an index for each filter,
    /// each row's JSON as stored. A search is an `ilike` on name and domain (with pg_trgm, a
    /// trigram index serves it: `schema/0012_store_search.sql`).
    public func page(statuses: [StoreStatus], search: String?, after: String?, limit: Int) async throws -> StorePage {
        precondition(limit > 0, "a page holds at least one store")
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
        let names = statuses.map(\.rawValue)
        let pattern = search.flatMap { $0.isEmpty ? nil : "%\(Self.escapeLike($0))%" }
        // One statement, with one of three fixed predicates (never built from input: the
        // statuses are a bound array) so that each filter walks its index in order:
        // (created_at, store_id) for all, (status, created_at, store_id) for one status. A
        // catch-all `or`/`any` predicate made the planner sort every matching row (143 ms for
        // a page of 50 among 10,000 stores, 288 ms for 500). The search's `$n is null or` is
        // no such catch-all: the statement is planned with its values (an unnamed statement),
        // so the planner folds it to `true` or to the `ilike` alone. The `ilike` expression is
        // the one the trigram index is built on; the unit separator between name and domain
        // (neither can hold one, nor can a search) keeps a match from spanning the two.
        let rows = try await pool.query(
            """
            with f as (select \(names)::text[] as statuses)
            select c.txid as checkpoint_txid, c.position as checkpoint_position, v.view_text, v.store_id, v.created_us
            from projection_checkpoints c
            left join lateral (
                select view_text, store_id::text as store_id,
                       (extract(epoch from created_at) * 1000000)::bigint as created_us
                from store_view
                where \(unsafeRaw: Self.statusPredicates[min(names.count, 2)])
                  and (\(pattern)::text is null or (name || E'\\x1f' || domain) ilike \(pattern))
                  and (created_at, store_id) > ('epoch'::timestamptz + \(afterMicros) * interval '1 microsecond', \(afterID))
                order by created_at, store_id
                limit \(limit + 1)
            ) v on true
            where c.name = 'store_view'
            """)
        guard let first = rows.first else { return StorePage(items: [], next: nil, position: .start) }
        let position = LogCursor(
            transactionID: try first.decode(UInt64.self, "checkpoint_txid"),
            position: try first.decode(Int64.self, "checkpoint_position"))
        let found = try rows.filter { try $0.text("store_id") != nil }
        let items = try found.prefix(limit).map { try $0.decode(String.self, "view_text") }
        var next: String?
        if found.count > limit {
            let last = found[limit - 1]
            next = "\(try last.decode(Int64.self, "created_us"))_\(try last.decode(String.self, "store_id"))"
        }
        return StorePage(items: items, next: next, position: position)
    }

    /// One statement: the checkpoint and the counts in one snapshot, grouped in PostgreSQL by
    /// what `StoreCounts` counts; only the groups (a few dozen rows for any fleet) come back.
    /// Health and versions are read from the `state` column (the fold the view is made from):
    /// the health's `state`, and the versions of the config the store runs (`applied`, or
    /// `desired` before it first ran), the chart's defaults where the config names none, as
    /// `StoreConfig.effectiveWordPressVersion` says. Paging through every view and decoding it
    /// gave the same numbers in Swift at the cost of shipping every store's JSON.
    public func counts() async throws -> StoreCounts {
        let rows = try await pool.query(
            """
            select c.txid as checkpoint_txid, c.position as checkpoint_position,
                   g.status, g.plan, g.health, g.wordpress, g.woocommerce, g.needs_attention, g.drifted, g.stores
            from projection_checkpoints c
            left join lateral (
                select status, plan, needs_attention,
                       coalesce(state #>> '{health,state}', 'unknown') as health,
                       coalesce(coalesce(state -> 'applied', state -> 'desired') ->> 'wordpressVersion', \(StoreConfig.chartWordPressVersion)::text) as wordpress,
                       coalesce(coalesce(state -> 'applied', state -> 'desired') ->> 'woocommerceVersion', \(StoreConfig.chartWooCommerceVersion)::text) as woocommerce,
                       coalesce(state #>> '{drift,state}', 'corrected') <> 'corrected' as drifted,
                       count(*) as stores
                from store_view
                group by 1, 2, 3, 4, 5, 6, 7
            ) g on true
            where c.name = 'store_view'
            """)
        var counts = StoreCounts()
        guard let first = rows.first else {
            counts.position = LogCursor.start.description
            return counts
        }
        counts.position = LogCursor(
            transactionID: try first.decode(UInt64.self, "checkpoint_txid"),
            position: try first.decode(Int64.self, "checkpoint_position")
        ).description
        for row in rows where try row.text("status") != nil {
            let group = StoreCounts.Group(
                status: try row.decode(String.self, "status"), plan: try row.decode(String.self, "plan"),
                health: try row.decode(String.self, "health"), wordpressVersion: try row.decode(String.self, "wordpress"),
                woocommerceVersion: try row.decode(String.self, "woocommerce"),
                needsAttention: try row.decode(Bool.self, "needs_attention"), drifted: try row.decode(Bool.self, "drifted"))
            counts.add(group, count: Int(try row.decode(Int64.self, "stores")))
        }
        return counts
    }

    /// `text` as a literal `like` pattern: its backslashes, `%` and `_` escaped.
    static func escapeLike(_ text: String) -> String {
        // Scalar by scalar: a backslash followed by a combining mark is one Character.
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\\" || scalar == "%" || scalar == "_" { escaped.append("\\") }
            escaped.append(scalar)
        }
        return String(escaped)
    }

    /// The status filter for no, one and several statuses (read from the bound array `f`).
    static let statusPredicates = [
        "true", "status = (select statuses[1] from f)", "status = any((select statuses from f)::text[])",
    ]

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
