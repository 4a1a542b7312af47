import EventStore
import Foundation
import Postgres
import Provisioning

/// The saga queue (`saga_queue`, kept by the projector) with leases (`saga_leases`).
public struct PostgresSagaQueue: SagaQueue {
    let pool: PostgresPool
    public let changes: WakeSignal

    public init(pool: PostgresPool, changes: WakeSignal) {
        self.pool = pool
        self.changes = changes
    }

    public func leaseDue(owner: String, limit: Int, ttl: Duration, excluding: Set<StoreID>) async throws -> [SagaLease] {
        let ttlMs = Int64(ttl.seconds * 1000)
        // Oldest due first (a fair queue); rows another replica is locking are skipped; the
        // upsert's WHERE lets only one replica win an expired lease.
        let rows = try await pool.query(
            """
            with due as (
                select q.store_id, q.version from saga_queue q
                left join saga_leases l on l.store_id = q.store_id
                where q.open and q.due_at <= now()
                  and (l.store_id is null or l.expires_at < now() or l.owner = \(owner))
                  and q.store_id <> all(\(excluding.map(\.uuid))::uuid[])
                order by q.due_at, q.store_id
                limit \(limit)
                for update of q skip locked
            ), leased as (
                insert into saga_leases (store_id, owner, expires_at)
                select store_id, \(owner), now() + \(ttlMs) * interval '1 millisecond' from due
                on conflict (store_id) do update set owner = excluded.owner, expires_at = excluded.expires_at
                where saga_leases.expires_at < now() or saga_leases.owner = excluded.owner
                returning store_id
            )
            select leased.store_id, due.version from leased join due using (store_id)
            """)
        return try rows.map { row in
            SagaLease(id: StoreID(try row.decode(UUID.self, "store_id")), version: try row.decode(Int64.self, "version"))
        }
    }

    public func renew(_ ids: Set<StoreID>, owner: String, ttl: Duration) async throws -> Set<StoreID> {
        let ttlMs = Int64(ttl.seconds * 1000)
        let rows = try await pool.query(
            """
            update saga_leases set expires_at = now() + \(ttlMs) * interval '1 millisecond'
            where owner = \(owner) and store_id = any(\(ids.map(\.uuid))::uuid[])
            returning store_id
            """)
        let held = Set(try rows.map { StoreID(try $0.decode(UUID.self, "store_id")) })
        return ids.subtracting(held)
    }

    public func release(_ id: StoreID, owner: String) async throws {
        try await pool.query("delete from saga_leases where store_id = \(id.uuid) and owner = \(owner)")
    }
}
