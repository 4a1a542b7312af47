/// A lease on one of the fleet's schedules (the health-check sweep, the drift sweep, the
/// backup scheduler), so that of several `urumi serve` replicas one at a time runs it. The
/// schedules are correct without it (their appends are fenced on versions and their operations
/// idempotent by key); the lease only stops the duplicate work. See
/// docs/decisions/schedule-leases.md.
///
/// Implemented in memory (tests, a single process) and on PostgreSQL (`schedule_leases`,
/// expiry by the database's clock).
public protocol ScheduleLease: Sendable {
    /// Takes the lease `name` for `holder` until `ttl` from now when it is free, expired or
    /// already `holder`'s (then this renews it). True when `holder` holds it afterwards.
    func acquire(_ name: String, holder: String, ttl: Duration) async throws -> Bool

    /// Gives the lease up when `holder` has it (a graceful shutdown: another replica need not
    /// wait for the expiry).
    func release(_ name: String, holder: String) async throws
}
