import EventStore
import Foundation
import Postgres

extension PostgresEventStore: EventAudit {
    public func audit(_ filter: AuditFilter) async throws -> [RecordedEvent] {
        try await pool.query(Self.auditQuery(filter)).map(Self.decodeEvent)
    }

    /// The one audit statement (public so that tests can EXPLAIN the very text that runs).
    /// Unset filters are NULL parameters, which the planner folds away (these are unnamed
    /// statements, planned with their values), so each filter uses its index.
    public static func auditQuery(_ filter: AuditFilter) -> PostgresQuery {
        """
        select \(unsafeRaw: Self.columns) from events
        where (transaction_id, position) > (\(filter.after.transactionID)::xid8, \(filter.after.position)::bigint)
          and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          and (\(filter.stream?.rawValue)::text is null or stream_id = \(filter.stream?.rawValue))
          and (cardinality(\(filter.types)::text[]) = 0 or type = any(\(filter.types)::text[]))
          and (\(filter.actor)::text is null or metadata->>'actor' = \(filter.actor))
          and (\(filter.since)::timestamptz is null or recorded_at >= \(filter.since))
          and (\(filter.until)::timestamptz is null or recorded_at < \(filter.until))
        order by transaction_id, position
        limit \(filter.limit)
        """
    }
}
