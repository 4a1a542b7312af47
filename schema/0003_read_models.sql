-- Read models built by projectors from the event log. Each projector writes its rows and its
-- checkpoint in one transaction, and can be rebuilt from the log (`urumi projections rebuild`).

-- Where each projector is in the log (the cursor of the last event it applied).
create table if not exists projection_checkpoints (
    name        text        primary key,
    txid        xid8        not null default '0',
    position    bigint      not null default 0,
    updated_at  timestamptz not null default now()
);

-- The store list. `view` is the API shape; `state` is the folded state the projector
-- evolves with the next events (both derived, both rebuilt identically).
create table if not exists store_view (
    store_id        uuid        primary key,
    name            text        not null,
    domain          text        not null,
    plan            text        not null,
    status          text        not null,
    current_step    text,
    needs_attention boolean     not null default false,
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    version         bigint      not null,
    view            jsonb       not null,
    state           jsonb       not null
);
create index if not exists store_view_by_created on store_view (created_at, store_id);
create index if not exists store_view_by_status on store_view (status, created_at, store_id);

-- What the saga coordinator needs: which sagas are open and when they are next due.
create table if not exists saga_queue (
    store_id    uuid        primary key,
    open        boolean     not null,
    due_at      timestamptz,
    version     bigint      not null
);
create index if not exists saga_queue_due on saga_queue (due_at) where open;

-- Leases of running sagas (runtime state of the coordinators, not derived from the log):
-- one replica runs a saga at a time; a lease that is not renewed expires.
create table if not exists saga_leases (
    store_id    uuid        primary key,
    owner       text        not null,
    expires_at  timestamptz not null
);

insert into projection_checkpoints (name) values ('store_view'), ('saga_queue') on conflict (name) do nothing;
