-- The event log: every store action, append-only. The source of truth and the audit trail.
--
-- `position` comes from a sequence, so positions are unique and increase within a
-- transaction, but they are NOT in commit order across concurrent transactions. Readers follow
-- the log in (transaction_id, position) order and never read past the oldest transaction still
-- running (pg_snapshot_xmin), which makes global reading gap-free without serialising writers.
-- See docs/decisions/gap-free-reading.md.

create table if not exists events (
    position        bigint generated always as identity primary key,
    transaction_id  xid8        not null default pg_current_xact_id(),
    event_id        uuid        not null,
    stream_id       text        not null,
    stream_version  bigint      not null,
    type            text        not null,
    data            jsonb       not null,
    metadata        jsonb       not null,
    recorded_at     timestamptz not null default now(),
    constraint events_event_id_unique unique (event_id),
    constraint events_stream_version_unique unique (stream_id, stream_version),
    constraint events_stream_id_valid check (stream_id <> '' and length(stream_id) <= 200),
    constraint events_version_positive check (stream_version > 0),
    constraint events_type_valid check (type <> '' and length(type) <= 100),
    constraint events_data_is_object check (jsonb_typeof(data) = 'object'),
    constraint events_metadata_is_object check (jsonb_typeof(metadata) = 'object'),
    -- A backstop only: the application limit (64 KiB of JSON text) is checked before writing.
    constraint events_data_size check (pg_column_size(data) <= 262144)
);

-- The global read order.
create index if not exists events_log_order on events (transaction_id, position);

-- One row per stream with its current version: the row lock serialises appends to a stream,
-- and the expected-version check happens before any position is drawn from the sequence.
create table if not exists streams (
    stream_id   text        primary key,
    version     bigint      not null check (version > 0),
    updated_at  timestamptz not null default now()
);

-- Unique names held by one stream at a time (e.g. a domain), taken and released in the same
-- transaction as the event that does it.
create table if not exists claims (
    claim       text        primary key,
    stream_id   text        not null,
    claimed_at  timestamptz not null default now()
);
create index if not exists claims_by_stream on claims (stream_id);

-- Idempotency keys of appends (e.g. HTTP Idempotency-Key): the first result, and a
-- fingerprint of the request so a different request with the same key is refused.
create table if not exists idempotency_keys (
    key             text        primary key,
    fingerprint     text,
    stream_id       text        not null,
    stream_version  bigint,
    first_txid      xid8,
    first_position  bigint,
    last_txid       xid8,
    last_position   bigint,
    created_at      timestamptz not null default now()
);
