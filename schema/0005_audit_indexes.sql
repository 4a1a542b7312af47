-- Indexes for audit queries over the log (GET /audit, urumi audit): each filter can walk the
-- log in its read order (transaction_id, position) without sorting.
create index if not exists events_audit_by_stream on events (stream_id, transaction_id, position);
create index if not exists events_audit_by_type on events (type, transaction_id, position);
create index if not exists events_audit_by_actor on events ((metadata->>'actor'), transaction_id, position);
create index if not exists events_audit_by_time on events (recorded_at);
