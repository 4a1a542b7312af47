import Postgres
import Provisioning

/// Schedule leases in PostgreSQL (`schedule_leases`, migration 0055): taken and renewed by
/// `urumi_take_schedule_lease`, expiring by the database's clock. Each call is one statement
/// on any pooled connection: no session state (unlike an advisory lock) ties the lease to a
/// connection, so nothing leaks through the pool and a dead holder's lease ends with its TTL.
public struct PostgresScheduleLease: ScheduleLease {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func acquire(_ name: String, holder: String, ttl: Duration) async throws -> Bool {
        let ttlMs = Int64(ttl.seconds * 1000)
        let rows = try await pool.query("select urumi_take_schedule_lease(\(name), \(holder), \(ttlMs)) as held")
        return try rows.first?.decode(Bool.self, "held") ?? false
    }

    public func release(_ name: String, holder: String) async throws {
        try await pool.query("delete from schedule_leases where name = \(name) and holder = \(holder)")
    }

    /// Who holds `name` now, by the database's clock (nil: nobody, or expired).
    public func holder(of name: String) async throws -> String? {
        let rows = try await pool.query("select holder from schedule_leases where name = \(name) and expires_at > now()")
        return try rows.first?.decode(String.self, "holder")
    }
}
